#!/usr/bin/env bash
# The install tier: nodewatch installed the ways homelab users install it.
#
# 1. The README's first command, verbatim, with Debian's own python3 — which is
#    "externally managed" (PEP 668): a bare `pip install` is refused there, as on
#    Raspberry Pi OS and Ubuntu 24.04 — in a fresh copy of the tree. It must show
#    the demo.
# 2. The sdist and wheel built (`python -m build`) and checked (`twine check`);
#    the wheel installed into a fresh venv, where `nodewatch --version` and
#    `nodewatch diagnose --demo` run and every data file of the package is present.
#
# .ci/run calls this; it installs what it needs with apt-get and pip.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
python=${PYTHON:-python3}
work=$(mktemp -d /tmp/nodewatch-install.XXXXXX)
trap 'rm -rf "$work"' EXIT
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore DEBIAN_FRONTEND=noninteractive
fail() { echo "install tier FAILED: $*" >&2; exit 1; }

echo "== install: the README's first command with Debian's externally managed python3"
if [ ! -x /usr/bin/python3 ] || ! /usr/bin/python3 -c 'import venv, ensurepip' 2>/dev/null; then
    apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends python3 python3-venv >/dev/null
fi
marker=$(/usr/bin/python3 -c 'import sysconfig; print(sysconfig.get_path("stdlib"))')/EXTERNALLY-MANAGED
[ -f "$marker" ] || fail "Debian's python3 is not externally managed here ($marker missing): this check would prove nothing"
/usr/bin/python3 -m pip install --dry-run pyudev >/dev/null 2>&1 && fail "bare pip install was not refused by /usr/bin/python3"
mkdir "$work/src"
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
    [ -e "$f" ] && printf '%s\0' "$f"
done | tar -C "$repo" --null -T - -cf - | tar -C "$work/src" -xf -
try=$("$python" tests/install/readme_command.py Try it)
echo "   \$ $try"
set +e
(cd "$work/src" && env -i HOME="$work" PATH=/usr/bin:/bin LANG=C.UTF-8 bash -c "$try") >"$work/try.out" 2>&1
rc=$?
set -e
tail -n 5 "$work/try.out"
grep -q '^\[DEMO\] nodewatch diagnose' "$work/try.out" || fail "the README's first command did not show the demo (exit $rc)"
echo "   shown: the demo (exit $rc)"

echo "== install: sdist and wheel"
"$python" -m build --outdir "$work/dist" "$repo" >"$work/build.log" 2>&1 || { tail -n 30 "$work/build.log"; fail "python -m build"; }
"$python" -m twine check --strict "$work"/dist/* || fail "twine check"
"$python" -m venv "$work/venv"
"$work/venv/bin/pip" install -q "$work"/dist/*.whl || fail "installing the wheel"
"$work/venv/bin/nodewatch" --version || fail "nodewatch --version from the wheel"
set +e
"$work/venv/bin/nodewatch" diagnose --demo >"$work/demo.out"
rc=$?
set -e
# The demo is the seed story: pool bigdata degraded, exit 2 (critical).
[ "$rc" = 2 ] && grep -q 'bigdata' "$work/demo.out" || fail "nodewatch diagnose --demo from the wheel (exit $rc)"
"$work/venv/bin/nodewatch" config-example | diff -u "$repo/config.example.toml" - || fail "config-example from the wheel differs from config.example.toml"
# Every data file of the package (what is not Python) must be inside the wheel.
"$python" - "$repo" "$work"/dist/*.whl <<'PY'
import subprocess, sys, zipfile
repo, wheel = sys.argv[1], sys.argv[2]
tracked = subprocess.run(["git", "-C", repo, "ls-files", "nodewatch"], capture_output=True, text=True, check=True).stdout.split()
data = {path for path in tracked if not path.endswith(".py")}
inside = set(zipfile.ZipFile(wheel).namelist())
missing = sorted(data - inside)
if missing:
    sys.exit(f"install tier FAILED: package data missing from the wheel: {missing}")
print(f"   wheel holds all {len(data)} data files of the package: {', '.join(sorted(data))}")
PY
echo "== install tier: passed"
