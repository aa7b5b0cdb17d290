#!/bin/sh
# nodewatch zedlet: tell the nodewatch service that ZFS has news (any event), so it reads the
# pools now instead of at its next poll. Installed by the NixOS module; on other systems:
#   install -m 755 "$(python3 -c 'import nodewatch.service, pathlib; print(pathlib.Path(nodewatch.service.__file__).parent)')/zedlet/all-nodewatch.sh" /etc/zfs/zed.d/all-nodewatch.sh
# (a copy with mode 755: ZED runs only executable zedlets, and a wheel installs this 0644)
# It must never hold ZED up: when the service is not running the FIFO is absent and this
# exits at once; a write that cannot complete within 1 s is abandoned.
fifo="${NODEWATCH_ZED_FIFO:-/run/nodewatch/zed.fifo}"
[ -p "$fifo" ] || exit 0
line="${ZEVENT_EID:-0} ${ZEVENT_CLASS:-unknown} ${ZEVENT_POOL:-}"
if command -v timeout >/dev/null 2>&1; then
    timeout 1 sh -c 'printf "%s\n" "$1" > "$2"' nodewatch-zedlet "$line" "$fifo" 2>/dev/null
else
    printf '%s\n' "$line" > "$fifo" 2>/dev/null
fi
exit 0
