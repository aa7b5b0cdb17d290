"""`nodewatch pools`: every fixture through the real CLI, JSON checked against the parsers."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nodewatch.cli import main

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
ALL = sorted((FIXTURES / "zpool-status-text").glob("*.txt")) + sorted(
    path for path in (FIXTURES / "zpool-status-json").glob("*.json") if ".jq." not in path.name
)


@pytest.mark.parametrize("path", ALL, ids=lambda path: path.name)
def test_pools_json_from_every_fixture(path, capsys):
    # The values themselves are asserted per fixture in tests/unit/parse/; here: the CLI prints
    # exactly that model, in the documented envelope, and it reads back into the model.
    from nodewatch.model import Pool
    from nodewatch.parse.zpool_status import parse_zpool_status
    from nodewatch.serialize import from_data, to_data

    assert main(["pools", "--json", "--zpool-status", str(path)]) == 0
    document = json.loads(capsys.readouterr().out)
    expected = parse_zpool_status(path.read_text())
    assert set(document) == {
        "schema",
        "kind",
        "host",
        "collected_at",
        "source",
        "pools",
        "unparsed_lines",
        "probe",
    }
    assert (document["schema"], document["kind"]) == (1, "pools")
    assert (document["host"], document["collected_at"]) == (None, None)  # a file does not say
    assert document["pools"] == to_data(expected.pools)
    assert tuple(from_data(Pool, pool) for pool in document["pools"]) == expected.pools
    assert document["probe"]["outcome"] == "ok"


def test_pools_text_shows_the_tree_counters_and_notes(capsys):
    path = FIXTURES / "zpool-status-text" / "openzfs-2.3-resilver-expand-paths-was-old-elided.txt"
    assert main(["pools", "--zpool-status", str(path)]) == 0
    out = capsys.readouterr().out
    assert "resilver in progress, 46.64% done" in out
    assert "07:58:49 to go" in out
    assert "11687508470009778260  UNAVAIL       0     0     0  was /dev/sdv1/old" in out
    assert "4 line(s) not understood" in out
    assert "\033[" not in out  # not a terminal: no color


def test_pools_reads_stdin():
    text = (FIXTURES / "zpool-status-text" / "lab-2.3.2-raidz1-member-missing-4J.txt").read_text()
    result = subprocess.run(
        [sys.executable, "-m", "nodewatch", "pools", "--json", "--zpool-status", "-"],
        input=text,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    root = json.loads(result.stdout)["pools"][0]["root"]
    missing = root["children"][0]["children"][2]
    assert (missing["name"], missing["state"], missing["guid"]) == (
        "4296869500517908464",
        "UNAVAIL",
        "4296869500517908464",
    )


@pytest.mark.parametrize(
    ("content", "message"), [("{broken", "not JSON"), ("hello\n", "no `zpool status` pool")]
)
def test_pools_rejects_unreadable_input_as_a_user_error(tmp_path, capsys, content, message):
    path = tmp_path / "paste.txt"
    path.write_text(content)
    assert main(["pools", "--zpool-status", str(path)]) == 3
    assert message in capsys.readouterr().err


def test_pools_without_zfs_says_unavailable_and_exits_3(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(f'[zfs]\nzpool_command = "{tmp_path / "absent-zpool"}"\n')
    result = subprocess.run(
        [sys.executable, "-m", "nodewatch", "--config", str(config), "pools"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 3
    assert result.stderr.startswith("pools unavailable: no zpool program")
    assert "Traceback" not in result.stderr


def test_pools_text_says_no_pools_when_zfs_has_none():
    from nodewatch.cli.pools import render
    from nodewatch.model import PoolStatus

    assert render(PoolStatus()) == "no pools\n"


def test_pools_text_shows_class_groups_and_spares_without_counters(capsys):
    path = FIXTURES / "zpool-status-text" / "truenas-config-only-special-logs-cache-spares-inuse.txt"
    assert main(["pools", "--zpool-status", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "      spares" in lines
    inuse = next(line for line in lines if "INUSE" in line)
    assert inuse.split() == ["f7c8e925-6ede-4331-8fd3-ee70570772e0", "INUSE", "currently", "in", "use"]
