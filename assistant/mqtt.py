"""One MQTT connection: reconnects with backoff, announces availability, publishes with an expiry.

A command is published only while connected, and only if the broker acknowledges it within
``command_timeout``; otherwise it is withdrawn from the client's queue so that a reconnect can
never deliver it late. Commands also carry an MQTT 5 message expiry, so the broker will not
hand a stale command to a device that comes back later.
"""

from __future__ import annotations

import logging
import math
import ssl
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from .config import MqttSettings
from .devices.command import MqttCommand

_LOGGER = logging.getLogger(__name__)

MessageHandler = Callable[[str, bytes], None]


class Delivery(str, Enum):
    SENT = "sent"
    """The broker acknowledged the command in time."""
    NOT_CONNECTED = "not_connected"
    """No broker connection: nothing was sent and nothing is queued."""
    TIMED_OUT = "timed_out"
    """Not acknowledged in time: withdrawn, it will not be sent later."""


@dataclass(frozen=True)
class PublishResult:
    command: MqttCommand
    delivery: Delivery

    @property
    def ok(self) -> bool:
        return self.delivery is Delivery.SENT


class MqttLink:
    """The assistant's connection to the broker."""

    def __init__(self, settings: MqttSettings, *, client_name: str = "assistant") -> None:
        self.settings = settings
        client_id = settings.client_id or f"{client_name}-{uuid.uuid4().hex[:8]}"
        self._client = paho.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=paho.MQTTv5,
        )
        self._connected = threading.Event()
        self._handlers: dict[str, list[MessageHandler]] = {}
        self._lock = threading.Lock()
        self._started = False
        self._connect_callbacks: list[Callable[[], None]] = []
        self._pending_subscriptions: dict[int, threading.Event] = {}
        if settings.username:
            self._client.username_pw_set(settings.username, settings.password)
        if settings.tls is not None:
            tls = settings.tls
            self._client.tls_set(
                ca_certs=str(tls.ca_certs) if tls.ca_certs else None,
                certfile=str(tls.certfile) if tls.certfile else None,
                keyfile=str(tls.keyfile) if tls.keyfile else None,
                cert_reqs=ssl.CERT_NONE if tls.insecure else ssl.CERT_REQUIRED,
            )
            self._client.tls_insecure_set(tls.insecure)
        self._client.will_set(settings.status_topic, "offline", qos=1, retain=True)
        self._client.reconnect_delay_set(
            min_delay=max(1, math.ceil(settings.reconnect_min_delay)),
            max_delay=max(1, math.ceil(settings.reconnect_max_delay)),
        )
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message
        self._client.on_subscribe = self._on_subscribe

    # --- life cycle ---------------------------------------------------------------------

    def start(self) -> None:
        """Connect in the background; reconnects on its own from then on."""
        if self._started:
            return
        self._started = True
        self._client.connect_async(self.settings.host, self.settings.port, keepalive=self.settings.keepalive, clean_start=True)
        self._client.loop_start()

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    @property
    def connected(self) -> bool:
        return self._connected.is_set() and self._client.is_connected()

    def stop(self) -> None:
        """Say offline (retained) and disconnect cleanly."""
        if not self._started:
            return
        if self.connected:
            info = self._client.publish(self.settings.status_topic, "offline", qos=1, retain=True)
            try:
                info.wait_for_publish(timeout=self.settings.command_timeout)
            except (RuntimeError, ValueError):
                _LOGGER.debug("offline status not acknowledged before disconnect")
        self._connected.clear()
        self._client.disconnect()
        self._client.loop_stop()
        self._started = False
        self._connected.clear()

    def on_connect(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (on the network thread) after every successful (re)connect."""
        self._connect_callbacks.append(callback)
        if self.connected:
            callback()

    # --- subscriptions ------------------------------------------------------------------

    def subscribe(self, topic: str, handler: MessageHandler) -> None:
        """Call ``handler(topic, payload)`` for every message on ``topic``, across reconnects.

        While connected, returns once the broker has acknowledged the subscription (or after
        ``command_timeout``), so a message published right after this call is not missed.
        """
        with self._lock:
            self._handlers.setdefault(topic, []).append(handler)
        if self.connected:
            acknowledged = threading.Event()
            # Hold the lock across subscribe(): the SUBACK may come back before we know its mid.
            with self._lock:
                result, mid = self._client.subscribe(topic, qos=1)
                if result == paho.MQTT_ERR_SUCCESS and mid is not None:
                    self._pending_subscriptions[mid] = acknowledged
            if result == paho.MQTT_ERR_SUCCESS:
                on_network_thread = threading.current_thread() is getattr(self._client, "_thread", None)
                if not on_network_thread and not acknowledged.wait(self.settings.command_timeout):
                    _LOGGER.warning("subscription to %s not acknowledged yet", topic)

    # --- publishing ---------------------------------------------------------------------

    def publish(self, command: MqttCommand) -> PublishResult:
        if not self.connected:
            return PublishResult(command, Delivery.NOT_CONNECTED)
        properties = Properties(PacketTypes.PUBLISH)
        properties.MessageExpiryInterval = max(1, math.ceil(self.settings.command_timeout))
        info = self._client.publish(
            command.topic, command.payload, qos=command.qos, retain=command.retain, properties=properties
        )
        if info.rc != paho.MQTT_ERR_SUCCESS and info.rc != paho.MQTT_ERR_QUEUE_SIZE:
            self._withdraw(info.mid)
            return PublishResult(command, Delivery.NOT_CONNECTED)
        try:
            info.wait_for_publish(timeout=self.settings.command_timeout)
        except (RuntimeError, ValueError):
            pass
        if info.is_published():
            return PublishResult(command, Delivery.SENT)
        self._withdraw(info.mid)
        _LOGGER.warning("command to %s not acknowledged within %.1f s: dropped", command.topic, self.settings.command_timeout)
        return PublishResult(command, Delivery.TIMED_OUT)

    def publish_status(self, topic: str, payload: str, *, retain: bool = False) -> bool:
        """Fire-and-forget for presence and metrics (QoS 0, never queued while offline)."""
        if not self.connected:
            return False
        return self._client.publish(topic, payload, qos=0, retain=retain).rc == paho.MQTT_ERR_SUCCESS

    def _withdraw(self, mid: int) -> None:
        # paho resends unacknowledged QoS 1 messages after a reconnect; a home command that
        # arrives minutes late is worse than none, so forget it. paho has no public API for
        # this: its queue is guarded by _out_message_mutex.
        with self._client._out_message_mutex:  # noqa: SLF001
            message = self._client._out_messages.pop(mid, None)  # noqa: SLF001
            if message is not None and self._client._inflight_messages > 0:  # noqa: SLF001
                self._client._inflight_messages -= 1  # noqa: SLF001

    # --- paho callbacks (network thread) ------------------------------------------------

    def _on_connect(self, client: paho.Client, userdata: object, flags: object, reason: object, properties: object) -> None:
        if getattr(reason, "is_failure", False):
            _LOGGER.error("MQTT broker %s:%s refused the connection: %s", self.settings.host, self.settings.port, reason)
            return
        _LOGGER.info("connected to MQTT broker %s:%s", self.settings.host, self.settings.port)
        client.publish(self.settings.status_topic, "online", qos=1, retain=True)
        with self._lock:
            topics = list(self._handlers)
        for topic in topics:
            client.subscribe(topic, qos=1)
        self._connected.set()
        for callback in list(self._connect_callbacks):
            try:
                callback()
            except Exception:
                _LOGGER.exception("on-connect callback failed")

    def _on_disconnect(self, client: paho.Client, userdata: object, flags: object, reason: object, properties: object) -> None:
        if self._connected.is_set():
            _LOGGER.warning("lost the MQTT broker %s:%s (%s); reconnecting", self.settings.host, self.settings.port, reason)
        self._connected.clear()

    def _on_subscribe(self, client: paho.Client, userdata: object, mid: int, reasons: object, properties: object) -> None:
        with self._lock:
            acknowledged = self._pending_subscriptions.pop(mid, None)
        if acknowledged is not None:
            acknowledged.set()

    def _on_message(self, client: paho.Client, userdata: object, message: paho.MQTTMessage) -> None:
        with self._lock:
            handlers = [
                handler
                for pattern, pattern_handlers in self._handlers.items()
                if paho.topic_matches_sub(pattern, message.topic)
                for handler in pattern_handlers
            ]
        for handler in handlers:
            try:
                handler(message.topic, bytes(message.payload))
            except Exception:  # a bad handler must not kill the network thread
                _LOGGER.exception("handler for %s failed", message.topic)
