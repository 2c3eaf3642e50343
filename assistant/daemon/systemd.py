"""The systemd notification protocol (sd_notify): READY, WATCHDOG, STATUS, STOPPING, RELOADING.

A datagram to the socket in $NOTIFY_SOCKET; without it (not under systemd) every call does nothing.
Twenty lines do not justify a dependency.
"""

from __future__ import annotations

import logging
import os
import socket

_LOGGER = logging.getLogger(__name__)


class Notifier:
    def __init__(self, address: str | None = None) -> None:
        self.address = address if address is not None else os.environ.get("NOTIFY_SOCKET", "")

    @property
    def enabled(self) -> bool:
        return bool(self.address)

    def notify(self, *fields: str) -> bool:
        if not self.address:
            return False
        target = "\0" + self.address[1:] if self.address.startswith("@") else self.address
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.setblocking(False)  # never let a slow reader stall the audio loop
                sock.connect(target)
                sock.send("\n".join(fields).encode())
            return True
        except BlockingIOError:
            _LOGGER.debug("sd_notify to %s would block: dropped %s", self.address, fields)
            return False
        except OSError as err:
            _LOGGER.warning("sd_notify to %s failed: %s", self.address, err)
            return False

    def ready(self, status: str) -> bool:
        return self.notify("READY=1", f"STATUS={status}")

    def watchdog(self) -> bool:
        return self.notify("WATCHDOG=1")

    def status(self, status: str) -> bool:
        return self.notify(f"STATUS={status}")

    def stopping(self) -> bool:
        return self.notify("STOPPING=1")

    def reloading(self) -> bool:
        return self.notify("RELOADING=1")


def watchdog_interval() -> float | None:
    """Half the watchdog timeout systemd set for us ($WATCHDOG_USEC), or None without one."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return None
    try:
        return max(0.5, int(usec) / 2_000_000)
    except ValueError:
        return None
