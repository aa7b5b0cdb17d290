#!/usr/bin/env bash
# The e2e tier: real OpenZFS in QEMU VMs (see tests/e2e/README.md). .ci/run calls this.
#
# Exit status: non-zero when a scenario fails. When the lab cannot run at all
# here (qemu/debootstrap not installable, no Debian mirror, image build fails)
# it prints a LOUD banner and exits 0: the unit tier still decides the run.
# NODEWATCH_E2E=0 skips the tier (with the banner); NODEWATCH_E2E_PYTEST_ARGS
# adds pytest arguments (e.g. "-k seed" or "--record").
set -uo pipefail
cd "$(dirname "$0")/../.."
export DEBIAN_FRONTEND=noninteractive

banner() {
    echo
    echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
    echo "!! E2E TIER DID NOT RUN: $*"
    echo "!! (the real-ZFS scenarios were NOT checked by this run)"
    echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
    echo
}

start=$(date +%s)
if [ "${NODEWATCH_E2E:-1}" = "0" ]; then
    banner "NODEWATCH_E2E=0"
    exit 0
fi

missing=()
for tool in qemu-system-x86_64 qemu-img debootstrap mkfs.ext4; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "== e2e: installing qemu and debootstrap (missing: ${missing[*]})"
    t0=$(date +%s)
    if ! { apt-get update -q && apt-get install -y -q --no-install-recommends \
        qemu-system-x86 qemu-utils debootstrap e2fsprogs; } >/tmp/nodewatch-e2e-apt.log 2>&1; then
        tail -n 20 /tmp/nodewatch-e2e-apt.log
        banner "could not apt-get install qemu-system-x86 qemu-utils debootstrap"
        exit 0
    fi
    echo "== e2e: apt-get install took $(($(date +%s) - t0)) s"
fi

echo "== e2e: guest images (cached in \${NODEWATCH_LAB_CACHE:-~/.cache/nodewatch/lab}; step times below)"
t0=$(date +%s)
if ! python3 -m tests.e2e.lab.image zfs23 zfs21; then
    banner "the guest image could not be built (see the reason above)"
    exit 0
fi
echo "== e2e: images ready after $(($(date +%s) - t0)) s"

echo "== e2e: scenarios (pytest -m e2e tests/e2e)"
# shellcheck disable=SC2086
python3 -m pytest -m e2e tests/e2e -v -rs -p no:cacheprovider ${NODEWATCH_E2E_PYTEST_ARGS:-}
rc=$?
echo "== e2e tier: pytest exit $rc, $(($(date +%s) - start)) s in all"
exit $rc
