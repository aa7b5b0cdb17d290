#!/usr/bin/env bash
# The Debian packages the unit tier drives, installed only when missing, in one apt-get run:
#   chromium, chromium-driver  the page in a real browser (tests/web_real/test_browser.py)
#   prometheus                 promtool and a real Prometheus scraping nodewatch (tests/web_real/test_prometheus.py)
#   nix-bin                    Debian's Nix: tests/unit/nix parses every .nix file and evaluates
#                              the NixOS module and the flake with it (nothing is built; docs/nixos.md)
#   jq                         runs the NixOS VM test's filters on the real /api/v1/status
# (The e2e tier installs qemu and debootstrap itself: tests/e2e/run.sh.)
set -euo pipefail
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
{ command -v prometheus >/dev/null && command -v promtool >/dev/null; } || missing+=(prometheus)
command -v nix-instantiate >/dev/null || missing+=(nix-bin)
command -v jq >/dev/null || missing+=(jq)
if [ ${#missing[@]} -eq 0 ]; then
    echo "debian packages: chromium, chromedriver, prometheus, promtool, nix and jq are installed"
    exit 0
fi
sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# The tests start their own Prometheus on loopback: keep the package's service from starting
# (it would listen on :9090 on every interface) while it is installed.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod 0755 "$policy"
    trap '$sudo rm -f "$policy"' EXIT
fi
echo "debian packages: apt-get install ${missing[*]}"
$sudo apt-get update -qq
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
if [ -d /run/systemd/system ] && systemctl is-enabled prometheus >/dev/null 2>&1; then
    $sudo systemctl disable --now prometheus || true
fi
