"""The CLI does not pay for the web part; `nodewatch password-hash` makes a hash the app accepts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from nodewatch.config import WebSettings
from nodewatch.web import auth

REPO = Path(__file__).resolve().parents[3]
WEB_MODULES = ("flask", "werkzeug", "jinja2", "waitress", "prometheus_client")


def test_diagnose_imports_nothing_of_the_web_part():
    code = (
        "import sys\n"
        "from nodewatch.cli import main\n"
        "status = main(['diagnose', '--demo'])\n"
        f"loaded = [m for m in {WEB_MODULES!r} if m in sys.modules]\n"
        "sys.stderr.write(repr(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert result.stderr.strip() == "[]"


def test_password_hash_from_stdin_is_accepted_by_the_app(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "nodewatch", "password-hash", "--stdin"],
        input="correct horse\n",
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    hash_file = tmp_path / "hash"
    hash_file.write_text(result.stdout)
    web = WebSettings(basic_auth_user="me", basic_auth_password_hash_file=str(hash_file))
    checker = auth.from_config(web)
    assert checker is not None
    assert checker.check("me", "correct horse")
    assert not checker.check("me", "correct horse\n")


def test_password_hash_refuses_an_empty_password():
    result = subprocess.run(
        [sys.executable, "-m", "nodewatch", "password-hash", "--stdin"],
        input="\n",
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 3
    assert "empty password" in result.stderr
