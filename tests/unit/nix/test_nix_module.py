"""The NixOS side (nix/, flake.nix), evaluated with Nix against nixpkgs' real lib.

This machine has Nix (Debian's nix-bin) but no nixpkgs and no binary cache, so
nothing is built: every .nix file is parsed, nix/module.nix is evaluated with
lib.evalModules against the nixpkgs lib from ../shared/nix (nix-community/
nixpkgs.lib) and stand-ins for the NixOS options it touches (nixos-stubs.nix)
and for pkgs (stub-pkgs.nix), and flake.nix's outputs are evaluated with a
stand-in nixpkgs input. What the module renders is checked against nodewatch's
own config parser and command line.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nodewatch import config as nodewatch_config

REPO = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().parent
NIX_INSTANTIATE = shutil.which("nix-instantiate")
CREDENTIAL = "/run/credentials/nodewatch.service/alert-urls"

pytestmark = pytest.mark.skipif(
    NIX_INSTANTIATE is None,
    reason="nix-instantiate not found: apt-get install nix-bin (.ci/run installs it)",
)


def _lib_archive() -> Path | None:
    """The nixpkgs lib archive: $NODEWATCH_NIXPKGS_LIB, else shared/nix/ beside the clone or above it."""
    if os.environ.get("NODEWATCH_NIXPKGS_LIB"):
        return Path(os.environ["NODEWATCH_NIXPKGS_LIB"])
    for parent in REPO.parents:
        found = sorted((parent / "shared" / "nix").glob("nixpkgs-lib-*.tar.xz"))
        if found:
            return found[-1]
    return None


@pytest.fixture(scope="session")
def nixpkgs_lib(tmp_path_factory: pytest.TempPathFactory) -> Path:
    archive = _lib_archive()
    if archive is None:
        pytest.skip(
            "nixpkgs lib archive not found: no shared/nix/nixpkgs-lib-*.tar.xz beside or above the clone"
            " and NODEWATCH_NIXPKGS_LIB unset; the module was NOT evaluated"
        )
    target = tmp_path_factory.mktemp("nixpkgs-lib")
    subprocess.run(["tar", "-xJf", str(archive), "-C", str(target)], check=True)
    (lib,) = target.glob("*/lib/default.nix")
    return lib.parent


def _instantiate(nixpkgs_lib: Path, file: str, args: dict[str, str]) -> subprocess.CompletedProcess[str]:
    argv = [str(NIX_INSTANTIATE), "--eval", "--strict", "--json", "--arg", "lib", f"import {nixpkgs_lib}"]
    for name, expression in args.items():
        argv += ["--arg", name, expression]
    return subprocess.run([*argv, str(HERE / file)], capture_output=True, text=True, check=False, timeout=120)


def evaluate(nixpkgs_lib: Path, configuration: str) -> dict[str, Any]:
    """Given a NixOS configuration (a Nix expression), return what eval-module.nix reports."""
    result = _instantiate(nixpkgs_lib, "eval-module.nix", {"configuration": configuration})
    assert result.returncode == 0, result.stderr
    value: dict[str, Any] = json.loads(result.stdout)
    return value


def evaluation_error(nixpkgs_lib: Path, configuration: str) -> str:
    result = _instantiate(nixpkgs_lib, "eval-module.nix", {"configuration": configuration})
    assert result.returncode != 0, f"evaluated, but should have failed: {configuration}"
    return result.stderr


def _toml(document: dict[str, dict[str, Any]]) -> str:
    """Render a two-level table of scalars and lists as TOML (what pkgs.formats.toml writes)."""

    def value(item: Any) -> str:
        if isinstance(item, bool):
            return "true" if item else "false"
        if isinstance(item, list):
            return "[" + ", ".join(value(element) for element in item) + "]"
        return json.dumps(item)  # str (a JSON string is a TOML basic string), int, float

    lines = []
    for section, table in document.items():
        lines.append(f"[{section}]")
        lines += [f"{key} = {value(item)}" for key, item in table.items()]
    return "\n".join(lines) + "\n"


ENABLED = "{ services.nodewatch.enable = true; }"
WITH_ZFS = """{ services.nodewatch.enable = true;
  boot.supportedFilesystems = [ "zfs" ]; networking.hostId = "6e6f6465"; }"""


def test_every_nix_file_parses() -> None:
    files = sorted(
        path for path in REPO.rglob("*.nix") if not {".git", ".venv", "node_modules"} & set(path.parts)
    )
    assert REPO / "flake.nix" in files and REPO / "nix" / "module.nix" in files
    for path in files:
        result = subprocess.run(
            [str(NIX_INSTANTIATE), "--parse", str(path)], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, f"{path}: {result.stderr}"


def test_enable_must_be_a_boolean(nixpkgs_lib: Path) -> None:
    error = evaluation_error(nixpkgs_lib, "{ services.nodewatch.enable = 1; }")
    assert "`services.nodewatch.enable' is not of type `boolean'" in error, error


def test_the_unit_runs_nodewatch_serve_with_the_rendered_config(nixpkgs_lib: Path) -> None:
    result = evaluate(nixpkgs_lib, ENABLED)
    unit = result["services"]["nodewatch"]["serviceConfig"]
    config_file = result["etc"]["nodewatch/config.toml"]
    assert unit["ExecStart"] == f"{result['package']}/bin/nodewatch serve --config {config_file}"
    # The command line is one nodewatch's own parser accepts.
    from nodewatch.cli import build_parser

    program, *argv = unit["ExecStart"].split()
    assert program.endswith("/bin/nodewatch")
    args = build_parser().parse_args(argv)
    assert args.command == "serve"
    assert str(args.config) == config_file
    assert result["services"]["nodewatch"]["wantedBy"] == ["multi-user.target"]
    assert unit["Type"] == "notify" and unit["WatchdogSec"]
    assert unit["StateDirectory"] == "nodewatch" and unit["RuntimeDirectory"] == "nodewatch"
    assert result["systemPackages"] == [result["package"]]
    assert result["failedAssertions"] == [] and result["warnings"] == []


def test_the_rendered_config_is_one_nodewatch_accepts(nixpkgs_lib: Path) -> None:
    result = evaluate(
        nixpkgs_lib,
        """{
          services.nodewatch = {
            enable = true;
            alertUrlsFile = "/run/agenix/nodewatch-alert-urls";
            settings.diagnose.scrub_overdue_days = 40;
            settings.alerts.min_severity = "critical";
            settings.service.collect_interval_seconds = 120;
            settings.web.listen = "[::]:9100";
          };
        }""",
    )
    parsed = nodewatch_config.parse(_toml(result["rendered"]), Path("/etc/nodewatch/config.toml"))
    assert parsed.diagnose.scrub_overdue_days == 40
    assert parsed.alerts.min_severity == "critical"
    assert parsed.service.collect_interval_seconds == 120
    assert parsed.web.listen == "[::]:9100"
    assert parsed.alerts.urls_file == CREDENTIAL
    assert parsed.service.state_directory == "/var/lib/nodewatch"


def test_the_typed_options_default_to_nodewatchs_own_defaults(nixpkgs_lib: Path) -> None:
    rendered = evaluate(nixpkgs_lib, ENABLED)["rendered"]
    defaults = nodewatch_config.defaults()
    assert rendered == {
        "web": {"listen": defaults.web.listen},
        "service": {"state_directory": defaults.service.state_directory},
        "alerts": {"urls": list(defaults.alerts.urls), "urls_file": defaults.alerts.urls_file},
        "smart": {"enabled": defaults.smart.enabled},
        "zfs": {"expected_pools": list(defaults.zfs.expected_pools)},
    }
    assert defaults.web.listen == "127.0.0.1:8427"


def test_expected_pools_are_the_pools_nixos_imports(nixpkgs_lib: Path) -> None:
    result = evaluate(
        nixpkgs_lib,
        """{ services.nodewatch.enable = true; networking.hostId = "6e6f6465";
             boot.zfs.extraPools = [ "tank" ];
             fileSystems."/" = { device = "/dev/mmcblk0p2"; fsType = "ext4"; };
             fileSystems."/srv/media" = { device = "media/srv"; fsType = "zfs"; };
             fileSystems."/srv/media/photos" = { device = "media/srv/photos"; fsType = "zfs"; }; }""",
    )
    assert result["failedAssertions"] == []
    assert result["rendered"]["zfs"] == {"expected_pools": ["tank", "media"]}
    parsed = nodewatch_config.parse(_toml(result["rendered"]), Path("/etc/nodewatch/config.toml"))
    assert parsed.zfs.expected_pools == ("tank", "media")


def test_alert_urls_file_becomes_a_systemd_credential_never_the_store(nixpkgs_lib: Path) -> None:
    urls_file = "/run/secrets/nodewatch-alert-urls"
    result = evaluate(
        nixpkgs_lib, f'{{ services.nodewatch = {{ enable = true; alertUrlsFile = "{urls_file}"; }}; }}'
    )
    unit = result["services"]["nodewatch"]["serviceConfig"]
    assert unit["LoadCredential"] == [f"alert-urls:{urls_file}"]
    assert result["rendered"]["alerts"]["urls_file"] == CREDENTIAL
    assert urls_file not in json.dumps(result["rendered"])
    # Without it, no credential and no urls_file.
    unit = evaluate(nixpkgs_lib, ENABLED)["services"]["nodewatch"]["serviceConfig"]
    assert "LoadCredential" not in unit


def test_the_basic_auth_password_hash_file_becomes_a_credential_too(nixpkgs_lib: Path) -> None:
    result = evaluate(
        nixpkgs_lib,
        """{ services.nodewatch = { enable = true; alertUrlsFile = "/run/secrets/urls";
             basicAuthPasswordHashFile = "/run/secrets/nodewatch-hash";
             settings.web.basic_auth_user = "admin"; }; }""",
    )
    assert result["failedAssertions"] == []
    unit = result["services"]["nodewatch"]["serviceConfig"]
    assert unit["LoadCredential"] == [
        "alert-urls:/run/secrets/urls",
        "web-password-hash:/run/secrets/nodewatch-hash",
    ]
    parsed = nodewatch_config.parse(_toml(result["rendered"]), Path("/etc/nodewatch/config.toml"))
    credential_file = "/run/credentials/nodewatch.service/web-password-hash"
    assert parsed.web.basic_auth_password_hash_file == credential_file
    assert parsed.web.basic_auth_user == "admin"


@pytest.mark.parametrize(
    "value",
    [
        "./alert-urls",  # a Nix path would be copied into the store
        '"/nix/store/0c9i5z5x9x8wlw0z0xvs5dcy4kl9d8dd-alert-urls"',
        '"alert-urls"',  # relative
    ],
)
def test_alert_urls_file_in_the_store_or_relative_is_refused(nixpkgs_lib: Path, value: str) -> None:
    error = evaluation_error(
        nixpkgs_lib, f"{{ services.nodewatch = {{ enable = true; alertUrlsFile = {value}; }}; }}"
    )
    assert "services.nodewatch.alertUrlsFile" in error
    assert "not of type" in error and "not in the Nix store" in error


def test_urls_in_settings_warn_that_they_land_in_the_store(nixpkgs_lib: Path) -> None:
    result = evaluate(
        nixpkgs_lib,
        '{ services.nodewatch = { enable = true; settings.alerts.urls = [ "ntfy://ntfy.sh/disks" ]; }; }',
    )
    (warning,) = result["warnings"]
    assert "world-readable Nix store" in warning and "alertUrlsFile" in warning


def test_hardening_and_device_access(nixpkgs_lib: Path) -> None:
    unit = evaluate(nixpkgs_lib, WITH_ZFS)["services"]["nodewatch"]["serviceConfig"]
    assert unit["DynamicUser"] is True
    assert unit["NoNewPrivileges"] is True
    assert unit["ProtectSystem"] == "strict"
    assert unit["ProtectHome"] is True and unit["PrivateTmp"] is True
    assert unit["ProtectKernelModules"] is True and unit["ProtectKernelTunables"] is True
    assert "AF_NETLINK" in unit["RestrictAddressFamilies"]  # udev events
    assert "ProcSubset" not in unit  # would hide /proc/spl/kstat/zfs
    # SMART needs raw commands to the disks: exactly these capabilities and devices.
    assert unit["CapabilityBoundingSet"] == ["CAP_SYS_RAWIO", "CAP_SYS_ADMIN"]
    assert unit["AmbientCapabilities"] == unit["CapabilityBoundingSet"]
    # The journal group: a DynamicUser reads the boot's zfs-import lines and the kernel log.
    assert unit["SupplementaryGroups"] == ["systemd-journal", "disk"]
    assert unit["DevicePolicy"] == "closed"
    assert unit["DeviceAllow"][0] == "/dev/zfs rw"
    assert all(rule.endswith(" r") for rule in unit["DeviceAllow"][1:])


def _debian_unit() -> dict[str, list[str]]:
    """The Debian unit's [Service] settings, each key with every value it is given."""
    settings: dict[str, list[str]] = {}
    section = ""
    path = REPO / "nodewatch" / "service" / "systemd" / "nodewatch.service"
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("["):
            section = line
        elif section == "[Service]" and "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            settings.setdefault(key, []).append(value)
    return settings


def test_the_unit_has_the_debian_units_findings(nixpkgs_lib: Path) -> None:
    """Capabilities, devices, address families, system call filter: what the lab measured (Debian unit)."""
    debian = _debian_unit()
    service = evaluate(nixpkgs_lib, WITH_ZFS)["services"]["nodewatch"]
    unit = service["serviceConfig"]

    def words(values: list[str]) -> list[str]:
        return sorted(word for value in values for word in value.split())

    assert words(unit["CapabilityBoundingSet"]) == words(debian["CapabilityBoundingSet"])
    # Save /dev/vcio: the Debian unit lets Raspberry Pi OS's vcgencmd ask the firmware for
    # get_throttled; the NixOS service has no vcgencmd in PATH (sysfs or the rpi_volt hwmon).
    assert sorted(unit["DeviceAllow"]) == sorted(set(debian["DeviceAllow"]) - {"/dev/vcio r"})
    assert "/dev/vcio r" in debian["DeviceAllow"]
    assert not any("raspberrypi" in entry or "vcgencmd" in entry for entry in service["path"])
    assert words(unit["RestrictAddressFamilies"]) == words(debian["RestrictAddressFamilies"])
    # The same system call filter (the lab found fchown, from SQLite as root, had to be let in).
    assert unit["SystemCallFilter"] == debian["SystemCallFilter"]
    assert [unit["SystemCallErrorNumber"]] == debian["SystemCallErrorNumber"] == ["EPERM"]
    for key in ("Type", "NotifyAccess", "WatchdogSec", "RuntimeDirectory", "DevicePolicy", "ProtectSystem"):
        assert [str(unit[key])] == debian[key], key
    assert debian["StateDirectory"] == [unit["StateDirectory"]]
    for key in ("NoNewPrivileges", "ProtectHome", "PrivateTmp", "MemoryDenyWriteExecute", "RestrictSUIDSGID"):
        assert unit[key] is True and debian[key] == ["yes"], key


def test_without_smart_a_zfs_node_keeps_what_the_import_listing_needs(nixpkgs_lib: Path) -> None:
    unit = evaluate(
        nixpkgs_lib,
        """{ services.nodewatch = { enable = true; settings.smart.enabled = false; };
             boot.supportedFilesystems = [ "zfs" ]; networking.hostId = "6e6f6465"; }""",
    )["services"]["nodewatch"]["serviceConfig"]
    # `zpool import -d …` (a pool that did not import) reads the disks' labels: CAP_SYS_ADMIN
    # and the block devices, read-only; no raw ATA commands without SMART.
    assert unit["CapabilityBoundingSet"] == ["CAP_SYS_ADMIN"] == unit["AmbientCapabilities"]
    assert unit["SupplementaryGroups"] == ["systemd-journal", "disk"]
    assert unit["DeviceAllow"][0] == "/dev/zfs rw"
    assert "block-sd r" in unit["DeviceAllow"]
    assert unit["DevicePolicy"] == "closed"


def test_a_btrfs_root_keeps_cap_sys_admin_for_btrfs_progs_without_smart(nixpkgs_lib: Path) -> None:
    unit = evaluate(
        nixpkgs_lib,
        """{ services.nodewatch = { enable = true; settings.smart.enabled = false; };
             fileSystems."/" = { device = "/dev/disk/by-label/NIXOS_SD"; fsType = "btrfs"; }; }""",
    )["services"]["nodewatch"]["serviceConfig"]
    assert unit["CapabilityBoundingSet"] == ["CAP_SYS_ADMIN"] == unit["AmbientCapabilities"]
    assert unit["DeviceAllow"] == []  # btrfs-progs asks the mounted filesystem, not the disks


def test_without_smart_and_zfs_the_service_gets_no_capability_and_no_disk(nixpkgs_lib: Path) -> None:
    unit = evaluate(
        nixpkgs_lib, "{ services.nodewatch = { enable = true; settings.smart.enabled = false; }; }"
    )["services"]["nodewatch"]["serviceConfig"]
    assert unit["CapabilityBoundingSet"] == [] and unit["AmbientCapabilities"] == []
    assert unit["SupplementaryGroups"] == ["systemd-journal"]
    assert unit["DeviceAllow"] == [] and unit["DevicePolicy"] == "closed"


@pytest.mark.parametrize(
    ("listen", "port"), [("0.0.0.0:8427", 8427), ("192.168.1.20:9100", 9100), ("[::]:8080", 8080)]
)
def test_open_firewall_opens_the_web_port(nixpkgs_lib: Path, listen: str, port: int) -> None:
    result = evaluate(
        nixpkgs_lib,
        "{ services.nodewatch = { enable = true; openFirewall = true;"
        f' settings.web.listen = "{listen}"; }}; }}',
    )
    assert result["allowedTCPPorts"] == [port]
    assert result["failedAssertions"] == []
    assert evaluate(nixpkgs_lib, ENABLED)["allowedTCPPorts"] == []


def test_zed_integration_installs_the_zedlet_when_zfs_is_on(nixpkgs_lib: Path) -> None:
    result = evaluate(nixpkgs_lib, WITH_ZFS)
    assert result["failedAssertions"] == []
    zedlet = result["etc"]["zfs/zed.d/all-nodewatch.sh"]
    assert zedlet == f"{result['package']}/libexec/nodewatch/zed.d/all-nodewatch.sh"
    assert result["services"]["zfs-zed"]["restartTriggers"] == [zedlet]
    service = result["services"]["nodewatch"]
    assert "zfs-import.target" in service["after"]
    assert service["path"] and service["path"][0].endswith("-zfs-user-2.3.4")  # boot.zfs.package
    # Without ZFS: no zedlet, and no stray zfs-zed unit.
    result = evaluate(nixpkgs_lib, ENABLED)
    assert "zfs/zed.d/all-nodewatch.sh" not in result["etc"]
    assert "zfs-zed" not in result["services"]
    assert result["services"]["nodewatch"]["path"] == []


def test_the_package_installs_the_zedlet_where_the_module_links_it(flake: dict[str, Any]) -> None:
    install = flake["postInstall"]
    assert "install -Dm0555 nodewatch/service/zedlet/all-nodewatch.sh" in install
    assert "$out/libexec/nodewatch/zed.d/all-nodewatch.sh" in install
    # The zedlet finds `timeout` whatever PATH ZED gives it.
    assert "wrapProgram $out/libexec/nodewatch/zed.d/all-nodewatch.sh" in install
    assert "-coreutils-9.8/bin" in install


def test_a_disabled_module_produces_nothing(nixpkgs_lib: Path) -> None:
    for configuration in (
        "{ }",
        "{ services.nodewatch.enable = false; }",
        '{ boot.supportedFilesystems = [ "zfs" ]; networking.hostId = "6e6f6465"; }',
    ):
        result = evaluate(nixpkgs_lib, configuration)
        assert result["services"] == {}
        assert result["etc"] == {}
        assert result["allowedTCPPorts"] == []
        assert result["systemPackages"] == []
        assert result["failedAssertions"] == [] and result["warnings"] == []


@pytest.mark.parametrize(
    ("definition", "option"),
    [
        ('openFirewall = "yes";', "services.nodewatch.openFirewall"),
        ('package = "nodewatch";', "services.nodewatch.package"),
        ('settings.web.listen = "8427";', "services.nodewatch.settings.web.listen"),
        ('settings.web.listen = "localhost";', "services.nodewatch.settings.web.listen"),
        (
            'settings.service.state_directory = "/srv/nodewatch";',
            "services.nodewatch.settings.service.state_directory",
        ),
        ('settings.smart.enabled = "no";', "services.nodewatch.settings.smart.enabled"),
        ('settings.alerts.urls = "ntfy://x";', "services.nodewatch.settings.alerts.urls"),
        ("zed.enable = null;", "services.nodewatch.zed.enable"),
    ],
)
def test_a_wrong_type_is_rejected_naming_the_option(nixpkgs_lib: Path, definition: str, option: str) -> None:
    error = evaluation_error(nixpkgs_lib, f"{{ services.nodewatch = {{ enable = true; {definition} }}; }}")
    assert f"`{option}' is not of type" in error, error


def test_an_unknown_option_is_rejected(nixpkgs_lib: Path) -> None:
    error = evaluation_error(nixpkgs_lib, "{ services.nodewatch = { enable = true; openFirewal = true; }; }")
    assert "services.nodewatch.openFirewal" in error and "does not exist" in error


@pytest.mark.parametrize(
    ("configuration", "words"),
    [
        (
            "{ services.nodewatch = { enable = true; zed.enable = true; }; }",
            ["services.nodewatch.zed.enable", "ZFS is not enabled", 'boot.supportedFilesystems = [ "zfs" ]'],
        ),
        (
            '{ services.nodewatch = { enable = true; settings.zfs.expected_pools = [ "tank" ]; }; }',
            ["settings.zfs.expected_pools", "(tank)", "ZFS is not enabled", "networking.hostId"],
        ),
        (
            "{ services.nodewatch = { enable = true; openFirewall = true; }; }",
            ["openFirewall", '"127.0.0.1:8427"', 'settings.web.listen = "0.0.0.0:8427"'],
        ),
        (
            '{ services.nodewatch = { enable = true; settings.web.listen = "[::1]:8427";'
            " openFirewall = true; }; }",
            ["openFirewall", '"[::1]:8427"'],
        ),
        (
            '{ services.nodewatch = { enable = true; settings.web.listen = "0.0.0.0:0"; }; }',
            ["port must be 1 to 65535"],
        ),
        (
            """{ services.nodewatch = { enable = true; alertUrlsFile = "/run/secrets/a";
                 settings.alerts.urls_file = "/etc/nodewatch/urls"; }; }""",
            ["alertUrlsFile", "settings.alerts.urls_file", CREDENTIAL],
        ),
        (
            '{ services.nodewatch = { enable = true; basicAuthPasswordHashFile = "/run/secrets/h"; }; }',
            ["basicAuthPasswordHashFile", "settings.web.basic_auth_user"],
        ),
    ],
)
def test_assertions_fire_with_a_clear_message(
    nixpkgs_lib: Path, configuration: str, words: list[str]
) -> None:
    (message,) = evaluate(nixpkgs_lib, configuration)["failedAssertions"]
    for word in words:
        assert word in message, message


def test_the_option_documentation_renders(nixpkgs_lib: Path) -> None:
    options = {option["name"]: option for option in evaluate(nixpkgs_lib, "{ }")["documentedOptions"]}
    assert {
        "services.nodewatch.enable",
        "services.nodewatch.package",
        "services.nodewatch.settings",
        "services.nodewatch.settings.web.listen",
        "services.nodewatch.alertUrlsFile",
        "services.nodewatch.openFirewall",
        "services.nodewatch.zed.enable",
    } <= set(options)
    assert options["services.nodewatch.package"]["default"] == "pkgs.nodewatch"
    assert options["services.nodewatch.zed.enable"]["default"] == "config.boot.zfs.enabled"


# ── flake.nix ────────────────────────────────────────────────────────────────


@pytest.fixture(scope="module")
def flake(nixpkgs_lib: Path) -> dict[str, Any]:
    result = _instantiate(nixpkgs_lib, "eval-flake.nix", {})
    assert result.returncode == 0, result.stderr
    value: dict[str, Any] = json.loads(result.stdout)
    return value


def test_flake_outputs(flake: dict[str, Any]) -> None:
    assert flake["inputs"] == ["nixpkgs"]
    systems = ["aarch64-linux", "x86_64-linux"]
    assert flake["outputs"]["packages"] == systems
    assert flake["outputs"]["checks"] == systems
    assert flake["outputs"]["nixosModules"] == ["default"]
    assert flake["outputs"]["overlays"] == ["default"]
    for system in systems:
        assert flake["packages"][system]["default"] == "nodewatch-0.1.0"
        assert set(flake["checks"][system]) == {"package", "vm-degraded-pool"}
    assert flake["overlay"] == "nodewatch-0.1.0"


def test_flake_package_matches_pyproject(flake: dict[str, Any]) -> None:
    import tomllib

    import nodewatch

    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert flake["pname"] == pyproject["project"]["name"]
    assert flake["version"] == nodewatch.__version__
    assert flake["pyproject"] is True
    assert flake["buildSystem"] == ["setuptools"]
    wanted = {
        requirement.split(">")[0].split("=")[0].split("<")[0].strip().lower()
        for requirement in pyproject["project"]["dependencies"]
    }
    assert set(flake["dependencies"]) == wanted
    assert flake["meta"]["mainProgram"] == "nodewatch"
    assert flake["meta"]["license"]["spdxId"] == "MIT"
    assert {"x86_64-linux", "aarch64-linux"} <= set(flake["meta"]["platforms"])
    # zpool and smartctl on the program's PATH, after the system's own.
    flags = flake["makeWrapperArgs"]
    assert flags[:3] == ["--suffix", "PATH", ":"]
    assert "-zfs-user-" in flags[3] and "-smartmontools-" in flags[3] and "-btrfs-progs-" in flags[3]
    # The alert child (sys.executable -m nodewatch.service.deliver) finds apprise through PYTHONPATH.
    assert flags[4:7] == ["--prefix", "PYTHONPATH", ":"]
    assert "python3.13-apprise/lib/python3.13/site-packages" in flags[7]


def test_flake_package_installs_files_that_exist() -> None:
    package = (REPO / "nix" / "package.nix").read_text()
    for source in (
        "nodewatch/service/zedlet/all-nodewatch.sh",
        "nodewatch/service/systemd/nodewatch.service",
    ):
        assert source in package
        assert (REPO / source).is_file(), f"package.nix installs {source}, which is missing"


def test_flake_vm_test_machine_evaluates_with_the_module(flake: dict[str, Any]) -> None:
    machine = flake["vmTest"]["machine"]
    assert machine["failedAssertions"] == [] and machine["warnings"] == []
    unit = machine["services"]["nodewatch"]["serviceConfig"]
    assert unit["LoadCredential"] == ["alert-urls:/etc/nodewatch-test/alert-urls"]
    assert machine["rendered"]["alerts"]["urls_file"] == CREDENTIAL
    assert "zfs/zed.d/all-nodewatch.sh" in machine["etc"]
    assert "alert-receiver" in machine["services"]
    # The receiver's port is the one in the credential file's URL.
    assert " 8099 " in machine["services"]["alert-receiver"]["serviceConfig"]["ExecStart"]
    # What the module renders for the VM is a config nodewatch accepts.
    nodewatch_config.parse(_toml(machine["rendered"]), Path("/etc/nodewatch/config.toml"))


def test_flake_vm_test_script_is_python(flake: dict[str, Any]) -> None:
    script = flake["vmTest"]["testScript"]
    compile(script, "vm-degraded-pool testScript", "exec")
    for needed in ("/api/v1/status", "DEGRADED", "zpool offline -f", "alerts.jsonl"):
        assert needed in script


def test_the_vm_tests_status_checks_read_the_real_api(flake: dict[str, Any], tmp_path: Path) -> None:
    """The script's jq filters and JSON reads, run on /api/v1/status of the real app (the demo's pool)."""
    import ast
    import shlex

    from werkzeug.test import Client

    from nodewatch import diagnose, replay
    from nodewatch.web.app import create_app
    from nodewatch.web.source import ReplaySource

    jq = shutil.which("jq")
    if jq is None:
        pytest.skip("jq not installed (apt-get install jq): the VM test's filters were not run")
    report = diagnose.diagnose(replay.demo_snapshot())
    response = Client(create_app(ReplaySource(report, "demo"))).get("/api/v1/status")
    document = response.get_json()
    (pool,) = [pool for pool in document["pools"] if pool["state"] == "DEGRADED"]
    # What the script reads from the document exists, with the meaning it assumes.
    assert document["exit_status"] >= 1
    assert any(finding.get("pool") == pool["name"] for finding in document["findings"])
    status_file = tmp_path / "status.json"
    status_file.write_text(json.dumps(document))
    # The shell commands as the script's Python will pass them (string constants, unescaped).
    commands = [
        node.value
        for node in ast.walk(ast.parse(flake["vmTest"]["testScript"]))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "jq -e" in node.value
    ]
    filters = [shlex.split(command.split("|", 1)[1])[2] for command in commands]
    assert len(filters) == 2, commands
    for written in filters:
        expression = written.replace('"tank"', json.dumps(pool["name"]))
        result = subprocess.run([jq, "-e", expression, str(status_file)], capture_output=True, check=False)
        assert result.returncode == (0 if '"DEGRADED"' in expression else 1), (expression, result)


def test_the_vm_tests_receiver_records_what_apprise_delivers(tmp_path: Path) -> None:
    import apprise  # a dependency of nodewatch (alerts)

    out = tmp_path / "alerts.jsonl"
    receiver = subprocess.Popen(
        [sys.executable, str(REPO / "nix" / "tests" / "alert-receiver.py"), "127.0.0.1", "0", str(out)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert receiver.stdout is not None
        port = receiver.stdout.readline().strip().rpartition(":")[2]
        notifier = apprise.Apprise()
        assert notifier.add(f"json://127.0.0.1:{port}/nodewatch")
        assert notifier.notify(title="tank is DEGRADED", body="tank: /dev/vdc is FAULTED")
    finally:
        receiver.terminate()
        receiver.wait(timeout=10)
    (line,) = out.read_text().splitlines()
    record = json.loads(line)
    assert record["path"] == "/nodewatch"
    assert "tank" in record["body"] and "FAULTED" in record["body"]


# ── nix/examples/raspberry-pi ────────────────────────────────────────────────


def test_the_raspberry_pi_example_evaluates_with_nodewatch(nixpkgs_lib: Path) -> None:
    result = _instantiate(nixpkgs_lib, "eval-example.nix", {})
    assert result.returncode == 0, result.stderr
    example = json.loads(result.stdout)
    assert example["inputs"] == ["deploy-rs", "nixpkgs", "nodewatch"]
    assert example["nodewatchInput"]["inputs"]["nixpkgs"]["follows"] == "nixpkgs"
    cross, emulated = example["configurations"]["pi-node-1"], example["configurations"]["pi-node-1-emulated"]
    assert (cross["buildPlatform"], cross["hostPlatform"]) == ("x86_64-linux", "aarch64-linux")
    assert (emulated["buildPlatform"], emulated["hostPlatform"]) == ("aarch64-linux", "aarch64-linux")
    for machine in (cross, emulated):
        assert machine["failedAssertions"] == [] and machine["warnings"] == []
        assert machine["enabled"] is True and machine["hostId"]  # ZFS, with the host ID it needs
        assert machine["extraPools"] == ["tank"]
        assert machine["allowedTCPPorts"] == [8427]
        assert machine["nodewatchUnit"]["LoadCredential"] == [
            "alert-urls:/var/lib/secrets/nodewatch-alert-urls"
        ]
        assert machine["zedlet"] is True
        nodewatch_config.parse(_toml(machine["nodewatchSettings"]), Path("/etc/nodewatch/config.toml"))
    node = example["deploy"]["pi-node-1"]
    assert node["profile"] == {"activates": "pi-node-1", "system": "aarch64-linux"}


def test_the_example_without_a_host_id_is_refused_as_nixos_would(nixpkgs_lib: Path) -> None:
    configuration = (REPO / "nix" / "examples" / "raspberry-pi" / "configuration.nix").as_posix()
    result = _instantiate(
        nixpkgs_lib,
        "eval-module.nix",
        {
            "configuration": f"""{{ lib, ... }}: {{
              imports = [ {configuration} ];
              networking.hostId = lib.mkForce null;
              nixpkgs.hostPlatform = "aarch64-linux";
            }}""",
        },
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["failedAssertions"] == ["ZFS requires networking.hostId to be set"]


def test_the_builders_emulation_config_evaluates(nixpkgs_lib: Path) -> None:
    builder = (REPO / "nix" / "examples" / "raspberry-pi" / "builder.nix").as_posix()
    result = _instantiate(nixpkgs_lib, "eval-module.nix", {"configuration": builder})
    assert result.returncode == 0, result.stderr
    evaluated = json.loads(result.stdout)
    assert evaluated["failedAssertions"] == []
    assert evaluated["emulatedSystems"] == ["aarch64-linux"]
