"""The last state each device reported over MQTT."""

from __future__ import annotations

import logging
import threading

from .devices.model import DeviceState
from .devices.protocol import PayloadError
from .devices.protocols import PROTOCOLS
from .registry import Registry

_LOGGER = logging.getLogger(__name__)


class StateStore:
    """Decodes state payloads with each device's protocol and keeps the latest state per device."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._states: dict[str, DeviceState] = {}
        self._lock = threading.Lock()
        self._topics: dict[str, list[str]] = {}
        for device in registry.devices:
            for topic in PROTOCOLS[device.protocol].state_topics(device):
                self._topics.setdefault(topic, []).append(device.id)

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(self._topics)

    def get(self, device_id: str) -> DeviceState:
        with self._lock:
            return self._states.get(device_id, DeviceState())

    def receive(self, topic: str, payload: bytes) -> None:
        """Apply a state message. A malformed payload is logged with its topic and dropped."""
        for device_id in self._topics.get(topic, ()):
            device = self.registry.device(device_id)
            with self._lock:
                current = self._states.get(device_id, DeviceState())
                try:
                    self._states[device_id] = PROTOCOLS[device.protocol].decode(device, topic, payload, current)
                except PayloadError as err:
                    _LOGGER.warning("ignored state on %s for %s: %s (payload %r)", topic, device_id, err, payload[:80])
