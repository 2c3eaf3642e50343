"""Carries out a resolved action: encode per device protocol, publish, report what happened."""

from __future__ import annotations

from dataclasses import dataclass

from .devices.actions import Action
from .devices.command import MqttCommand
from .devices.model import Device
from .devices.protocols import PROTOCOLS
from .mqtt import Delivery, MqttLink, PublishResult
from .state import StateStore


@dataclass(frozen=True)
class Execution:
    commands: tuple[MqttCommand, ...]
    results: tuple[PublishResult, ...]
    dry_run: bool = False

    @property
    def delivery(self) -> Delivery | None:
        """The worst delivery among the commands; None for a dry run."""
        if self.dry_run:
            return None
        for failure in (Delivery.NOT_CONNECTED, Delivery.TIMED_OUT):
            if any(result.delivery is failure for result in self.results):
                return failure
        return Delivery.SENT

    @property
    def sent(self) -> tuple[MqttCommand, ...]:
        return tuple(result.command for result in self.results if result.ok)


class Executor:
    def __init__(self, states: StateStore, link: MqttLink | None) -> None:
        self.states = states
        self.link = link
        """None: dry run, nothing is published."""

    def encode(self, action: Action, devices: tuple[Device, ...]) -> tuple[MqttCommand, ...]:
        commands: list[MqttCommand] = []
        for device in devices:
            protocol = PROTOCOLS[device.protocol]
            commands.extend(protocol.encode(device, action, self.states.get(device.id)))
        return tuple(commands)

    def execute(self, action: Action, devices: tuple[Device, ...]) -> Execution:
        commands = self.encode(action, devices)
        if self.link is None:
            return Execution(commands, (), dry_run=True)
        if not self.link.connected:
            # All or nothing: with no broker, nothing is sent and nothing is queued for later.
            return Execution(commands, tuple(PublishResult(c, Delivery.NOT_CONNECTED) for c in commands))
        return Execution(commands, tuple(self.link.publish(command) for command in commands))
