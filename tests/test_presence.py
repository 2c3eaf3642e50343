"""The assistant on MQTT: state topics, mute switch, listen button, HA discovery, Hermes events."""

from __future__ import annotations

import dataclasses
import json
import threading

from assistant.broker import LocalBroker
from assistant.config import Config
from assistant.daemon.presence import Presence
from assistant.daemon.settings import DaemonSettings, daemon_settings
from assistant.mqtt import MqttLink
from assistant.pipeline import Assistant

from .conftest import Recorder, config_for
from .test_text_to_mqtt import wait_until


def make_presence(config: Config, link: MqttLink, **changes: object) -> Presence:
    settings = dataclasses.replace(daemon_settings(config), **changes)
    return Presence(link, config, settings)


def test_default_settings_derive_the_node_id_from_the_site(example_config: Config) -> None:
    assert daemon_settings(example_config) == DaemonSettings(node_id="living_room_satellite")


def test_discovery_is_retained_and_sent_again_when_home_assistant_comes_online(
    example_config: Config, mosquitto: LocalBroker, link: MqttLink
) -> None:
    config = config_for(example_config, mosquitto)
    presence = make_presence(config, link)
    live = Recorder(mosquitto, ("homeassistant/#",))
    presence.connect_controls(lambda muted: None, lambda: None, lambda text: None)
    assert wait_until(lambda: len(live.messages) == 5)
    live.close()
    late = Recorder(mosquitto, ("homeassistant/#",))
    try:
        assert wait_until(lambda: len(late.messages) == 5)
        topics = {topic for topic, _, retained in late.messages if retained}
        assert topics == {
            "homeassistant/sensor/living_room_satellite/state/config",
            "homeassistant/sensor/living_room_satellite/transcript/config",
            "homeassistant/sensor/living_room_satellite/intent/config",
            "homeassistant/switch/living_room_satellite/mute/config",
            "homeassistant/button/living_room_satellite/listen/config",
        }
        mute = json.loads(next(p for t, p, _ in late.messages if t.endswith("mute/config")))
        assert mute["command_topic"] == "assistant/mute/set"
        assert mute["availability_topic"] == "assistant/status"
        late.clear()
        late.publish("homeassistant/status", "online")
        assert wait_until(lambda: len([m for m in late.messages if m[0].endswith("/config")]) == 5)
    finally:
        late.close()


def test_mute_switch_listen_button_and_say(example_config: Config, mosquitto: LocalBroker, link: MqttLink, recorder: Recorder) -> None:
    presence = make_presence(config_for(example_config, mosquitto), link, discovery=False)
    muted: list[bool] = []
    listens = threading.Event()
    said: list[str] = []
    presence.connect_controls(muted.append, listens.set, said.append)
    recorder.publish("assistant/mute/set", "ON")
    assert wait_until(lambda: muted == [True])
    assert wait_until(lambda: ("assistant/mute", "ON", False) in recorder.messages)
    recorder.publish("assistant/mute/set", "maybe")
    recorder.publish("assistant/mute/set", "OFF")
    assert wait_until(lambda: muted == [True, False]), "a bad payload is ignored"
    recorder.publish("assistant/listen", "PRESS")
    assert listens.wait(5)
    recorder.publish("assistant/say", "Dinner is ready")
    assert wait_until(lambda: said == ["Dinner is ready"])


def test_turns_are_published_with_hermes_events(example_config: Config, mosquitto: LocalBroker, link: MqttLink, recorder: Recorder) -> None:
    config = config_for(example_config, mosquitto)
    presence = make_presence(config, link, discovery=False, hermes=True)
    said: list[str] = []
    presence.connect_controls(lambda muted: None, lambda: None, said.append)
    assistant = Assistant(config, link)
    turn = assistant.handle_text("set the kitchen light to 40 percent")
    presence.publish_turn(turn, transcript="set the kitchen light to forty percent", timings_ms={"stt": 120.0, "intent": 1.0})
    presence.publish_turn(assistant.handle_text("sing me a song"))
    presence.set_state("speaking")

    def message(topic: str) -> dict[str, object] | str | None:
        for t, payload, _ in recorder.messages:
            if t == topic:
                try:
                    return json.loads(payload)  # type: ignore[no-any-return]
                except ValueError:
                    return payload
        return None

    assert wait_until(lambda: message("hermes/nlu/intentNotRecognized") is not None)
    assert message("assistant/transcript") == "set the kitchen light to forty percent"
    intent = message("assistant/intent")
    assert isinstance(intent, dict) and intent["name"] == "SetBrightness" and intent["outcome"] == "done"
    assert message("assistant/metrics") == {"stt": 120.0, "intent": 1.0}
    hermes = message("hermes/intent/SetBrightness")
    assert isinstance(hermes, dict)
    assert hermes["intent"] == {"intentName": "SetBrightness", "confidenceScore": 1.0}
    assert {"slotName": "brightness", "entity": "brightness", "rawValue": "40", "value": {"kind": "Number", "value": 40}} in hermes["slots"]  # type: ignore[operator]
    assert message("hermes/nlu/intentNotRecognized") == {"input": "sing me a song", "siteId": "living_room_satellite"}
    assert wait_until(lambda: message("assistant/state") == "speaking")
    recorder.publish("hermes/tts/say", json.dumps({"text": "Hello from Node-RED", "siteId": "living_room_satellite"}))
    recorder.publish("hermes/tts/say", json.dumps({"text": "Not for us", "siteId": "kitchen_satellite"}))
    recorder.publish("hermes/tts/say", "{broken")
    recorder.publish("hermes/tts/say", json.dumps({"text": "Default site", "siteId": "default"}))
    assert wait_until(lambda: said == ["Hello from Node-RED", "Default site"])
