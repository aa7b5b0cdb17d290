"""NixOS: the system switched to is not the one booted. After `nixos-rebuild switch`, a new
kernel or kernel modules (ZFS's among them) wait for a reboot: until then the node runs the
old kernel and the old ZFS module, while the userland tools (zpool) may be the new ones."""

from __future__ import annotations

from collections.abc import Iterator

from nodewatch.diagnose import commands
from nodewatch.diagnose.context import Context
from nodewatch.model import Action, Finding, Severity
from nodewatch.parse.node_health import store_name


def check(context: Context) -> Iterator[Finding]:
    systems = context.snapshot.nixos
    if systems is None or systems.booted == systems.current:
        return
    kernel = systems.booted_kernel != systems.current_kernel
    modules = systems.booted_modules != systems.current_modules
    if not kernel and not modules:
        return  # a new system with the same kernel: nothing waits for a reboot
    what = []
    if kernel:
        what.append(f"kernel {_name(systems.booted_kernel)} → {_name(systems.current_kernel)}")
    if modules:
        what.append(f"kernel modules {_name(systems.booted_modules)} → {_name(systems.current_modules)}")
    zfs = context.snapshot.zfs_version
    yield Finding(
        severity=Severity.WARNING,
        code="nixos-reboot-pending",
        summary=(
            "NixOS was updated but not rebooted: the running kernel and its modules (ZFS's too)"
            " are the old ones"
        ),
        detail=(
            "The current system (/run/current-system) has "
            + " and ".join(x for x, on in (("a new kernel", kernel), ("new kernel modules", modules)) if on)
            + "; the node still runs those of the booted one (/run/booted-system)."
            + (f" zpool here is userland {zfs}; the loaded ZFS module is the booted system's." if zfs else "")
            + " Reboot when convenient (after a running scrub or resilver ends), so the next boot is not"
            " the first time the new kernel and ZFS module meet this pool."
        ),
        evidence=(
            f"/run/booted-system -> {systems.booted}",
            f"/run/current-system -> {systems.current}",
            *what,
        ),
        actions=(
            Action(
                command=commands.reboot(),
                why="Boot the current system: its kernel and ZFS module.",
                check_first=(
                    "no scrub or resilver is running (zpool status), and someone can reach the node"
                    " if it does not come back"
                ),
            ),
        ),
    )


def _name(path: str | None) -> str:
    return store_name(path) or "none"
