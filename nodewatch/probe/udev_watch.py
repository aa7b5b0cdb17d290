"""Block-device uevents as they happen (pyudev's netlink monitor), for the service.

The service re-reads the disks a moment after a disk comes or goes, instead of at its next
full pass. Only this module and probe/udev.py talk to udev.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)


def watch_block_devices(callback: Callable[[str, str], None]) -> Callable[[], None]:
    """Call callback(action, device) from a daemon thread for every block-device uevent
    (action: add, remove, change, …; device: its devnode or kernel name).

    Return a function that stops watching. Raise OSError when no uevent source can be opened
    (no netlink in a container, no permission): the caller then relies on polling.
    """
    import pyudev

    try:
        monitor = pyudev.Monitor.from_netlink(pyudev.Context())
        monitor.filter_by("block")
        monitor.start()
    except Exception as err:  # pyudev raises OSError, or its own errors from libudev
        raise OSError(f"cannot watch udev events: {err}") from err

    def event(device: object) -> None:
        action = str(getattr(device, "action", "") or "")
        node = str(getattr(device, "device_node", "") or getattr(device, "sys_name", ""))
        try:
            callback(action, node)
        except Exception:  # a failing callback must not end the watch
            log.exception("handling a udev event failed")

    observer = pyudev.MonitorObserver(monitor, callback=event, name="nodewatch-udev")
    observer.daemon = True
    observer.start()

    def stop() -> None:
        observer.send_stop()

    return stop
