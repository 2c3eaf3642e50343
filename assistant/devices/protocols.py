"""The protocols a device may speak, by the name used in config."""

from __future__ import annotations

from .custom import Custom
from .ha_json import HaJson
from .protocol import Protocol
from .tasmota import Tasmota
from .zigbee2mqtt import Zigbee2Mqtt

PROTOCOLS: dict[str, Protocol] = {
    protocol.name: protocol for protocol in (Zigbee2Mqtt(), Tasmota(), HaJson(), Custom())
}
