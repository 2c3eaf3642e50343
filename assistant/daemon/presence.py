"""The assistant as others see it on MQTT: its state, what it heard and understood, its controls.

Topics under ``<topic_prefix>`` (``assistant`` by default):

| topic | payload |
|---|---|
| ``status`` | ``online`` / ``offline`` (retained; last will) |
| ``state`` | ``idle``, ``listening``, ``thinking``, ``speaking`` (retained) |
| ``transcript`` | the last thing heard, as text (retained) |
| ``intent`` | the last intent as JSON ``{"name", "slots", "source", "text", "outcome", "reply"}`` (retained) |
| ``metrics`` | per-utterance timings in ms as JSON |
| ``mute`` / ``mute/set`` | ``ON``/``OFF``: the mute switch's state (retained) and its command |
| ``push_to_talk`` | any payload: listen now, as if the wake word was heard (``wake.push_to_talk_topic``) |
| ``problem`` | what keeps the assistant from listening, e.g. a missing microphone; empty when fine (retained) |
| ``say`` | text to speak |

With Home Assistant discovery these appear as a device with a state sensor, transcript and intent
sensors, a mute switch and a listen button; the configs are retained and sent again whenever
Home Assistant announces itself (``<discovery_prefix>/status`` = ``online``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from ..config import Config
from ..mqtt import MqttLink
from ..pipeline import Turn
from .settings import DaemonSettings

_LOGGER = logging.getLogger(__name__)

STATES = ("idle", "listening", "thinking", "speaking")


class Presence:
    def __init__(self, link: MqttLink, config: Config, settings: DaemonSettings, *, listen_topic: str | None = None) -> None:
        self.link = link
        self.settings = settings
        self.prefix = config.mqtt.topic_prefix
        self.site = config.site
        self.listen_topic = listen_topic or self.topic("listen")
        self.muted = False
        self._on_mute: Callable[[bool], None] = lambda muted: None
        self._on_listen: Callable[[], None] = lambda: None
        self._on_say: Callable[[str], None] = lambda text: None

    def topic(self, name: str) -> str:
        return f"{self.prefix}/{name}"

    # --- controls ------------------------------------------------------------------------

    def connect_controls(
        self, on_mute: Callable[[bool], None], on_listen: Callable[[], None], on_say: Callable[[str], None]
    ) -> None:
        self._on_mute, self._on_listen, self._on_say = on_mute, on_listen, on_say
        self.link.subscribe(self.topic("mute/set"), self._mute_command)
        self.link.subscribe(self.listen_topic, lambda topic, payload: self._on_listen())
        self.link.subscribe(self.topic("say"), self._say_command)
        if self.settings.discovery:
            self.link.subscribe(f"{self.settings.discovery_prefix}/status", self._home_assistant_status)
        if self.settings.hermes:
            self.link.subscribe("hermes/tts/say", self._hermes_say)
        self.link.on_connect(self.announce)

    def _mute_command(self, topic: str, payload: bytes) -> None:
        word = payload.decode("utf-8", errors="replace").strip().upper()
        if word not in ("ON", "OFF"):
            _LOGGER.warning("ignored %s: expected ON or OFF, got %r", topic, payload[:40])
            return
        self.muted = word == "ON"
        self.link.publish_status(self.topic("mute"), word, retain=True)
        self._on_mute(self.muted)

    def _say_command(self, topic: str, payload: bytes) -> None:
        text = payload.decode("utf-8", errors="replace").strip()
        if text:
            self._on_say(text[:1000])

    def _hermes_say(self, topic: str, payload: bytes) -> None:
        try:
            message = json.loads(payload)
            text = str(message["text"]).strip()
        except (ValueError, KeyError, TypeError) as err:
            _LOGGER.warning("ignored hermes/tts/say: %s (payload %r)", err, payload[:80])
            return
        site = message.get("siteId")
        if site not in (None, "", "default", self.settings.node_id):
            return
        if text:
            self._on_say(text[:1000])

    def _home_assistant_status(self, topic: str, payload: bytes) -> None:
        if payload.strip().lower() == b"online":
            self.publish_discovery()

    # --- what the assistant tells -------------------------------------------------------

    def announce(self) -> None:
        """On every (re)connect: current state, mute, and discovery."""
        self.link.publish_status(self.topic("mute"), "ON" if self.muted else "OFF", retain=True)
        if self.settings.discovery:
            self.publish_discovery()

    def report_problem(self, problem: str) -> None:
        """What keeps the assistant from listening ("" when nothing does), retained on ``problem``."""
        self.link.publish_status(self.topic("problem"), problem, retain=True)

    def set_state(self, state: str) -> None:
        assert state in STATES, state
        self.link.publish_status(self.topic("state"), state, retain=True)

    def publish_turn(self, turn: Turn, transcript: str | None = None, timings_ms: dict[str, float] | None = None) -> None:
        if transcript is not None:
            self.link.publish_status(self.topic("transcript"), transcript, retain=True)
        report: dict[str, Any] = {
            "name": turn.intent.name if turn.intent else None,
            "slots": dict(turn.intent.slots) if turn.intent else {},
            "source": turn.source,
            "text": turn.text,
            "outcome": turn.outcome,
            "reply": turn.reply.text,
        }
        self.link.publish_status(self.topic("intent"), json.dumps(report), retain=True)
        if self.settings.metrics and timings_ms is not None:
            self.link.publish_status(self.topic("metrics"), json.dumps({k: round(v, 1) for k, v in timings_ms.items()}))
        if self.settings.hermes:
            self._publish_hermes(turn)

    def _publish_hermes(self, turn: Turn) -> None:
        site = self.settings.node_id
        if turn.intent is None:
            self.link.publish_status("hermes/nlu/intentNotRecognized", json.dumps({"input": turn.text, "siteId": site}))
            return
        slots = [
            {
                "entity": name,
                "slotName": name,
                "rawValue": turn.intent.slot_texts.get(name, str(value)),
                "value": {"kind": "Number" if isinstance(value, (int, float)) else "Unknown", "value": value},
            }
            for name, value in turn.intent.slots.items()
        ]
        message = {
            "input": turn.text,
            "intent": {"intentName": turn.intent.name, "confidenceScore": turn.intent.confidence},
            "slots": slots,
            "siteId": site,
            "sessionId": None,
            "customData": None,
        }
        self.link.publish_status(f"hermes/intent/{turn.intent.name}", json.dumps(message))

    # --- Home Assistant discovery ----------------------------------------------------------

    def discovery_configs(self) -> dict[str, dict[str, Any]]:
        node = self.settings.node_id
        device = {"identifiers": [node], "name": self.site.name, "manufacturer": "assistant", "model": "offline voice assistant"}
        common = {"availability_topic": self.topic("status"), "device": device}
        prefix = self.settings.discovery_prefix
        return {
            f"{prefix}/sensor/{node}/state/config": {
                **common, "name": "State", "unique_id": f"{node}_state", "state_topic": self.topic("state"), "icon": "mdi:account-voice",
            },
            f"{prefix}/sensor/{node}/transcript/config": {
                **common, "name": "Last transcript", "unique_id": f"{node}_transcript", "state_topic": self.topic("transcript"),
            },
            f"{prefix}/sensor/{node}/intent/config": {
                **common,
                "name": "Last intent",
                "unique_id": f"{node}_intent",
                "state_topic": self.topic("intent"),
                "value_template": "{{ value_json.name }}",
                "json_attributes_topic": self.topic("intent"),
            },
            f"{prefix}/switch/{node}/mute/config": {
                **common,
                "name": "Mute",
                "unique_id": f"{node}_mute",
                "state_topic": self.topic("mute"),
                "command_topic": self.topic("mute/set"),
                "icon": "mdi:microphone-off",
            },
            f"{prefix}/button/{node}/listen/config": {
                **common, "name": "Listen", "unique_id": f"{node}_listen", "command_topic": self.listen_topic, "payload_press": "PRESS",
            },
        }

    def publish_discovery(self) -> None:
        for topic, payload in self.discovery_configs().items():
            self.link.publish_status(topic, json.dumps(payload), retain=True)
