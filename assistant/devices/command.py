"""The one thing a device encoder produces: an MQTT message to publish."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class MqttCommand:
    topic: str
    payload: str
    qos: int = 1
    retain: bool = False
    device_id: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"topic": self.topic, "payload": self.payload, "qos": self.qos, "retain": self.retain}
