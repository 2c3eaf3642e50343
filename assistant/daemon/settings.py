"""The ``daemon:`` config section: presence on MQTT, Home Assistant discovery, Hermes events."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..config import Config, section_parser


@dataclass(frozen=True)
class DaemonSettings:
    discovery: bool = True
    """Announce the assistant's entities to Home Assistant (MQTT discovery, retained)."""
    discovery_prefix: str = "homeassistant"
    node_id: str = "assistant"
    """Identifies this assistant in discovery topics and unique ids."""
    hermes: bool = False
    """Also speak Rhasspy/Snips Hermes: hermes/intent/<name>, hermes/nlu/intentNotRecognized, hermes/tts/say."""
    metrics: bool = True
    """Publish per-utterance timings on <topic_prefix>/metrics."""
    audio_queue_seconds: float = 10.0
    """Audio kept waiting for slow stages before the oldest is dropped (capture never blocks)."""


@section_parser
def daemon_settings(config: Config) -> DaemonSettings:
    field = config.sections.get("daemon")
    default_node = re.sub(r"[^a-z0-9_]+", "_", config.site.name.lower()).strip("_") or "assistant"
    if field is None or field.is_missing:
        return DaemonSettings(node_id=default_node)
    field.check_keys(("discovery", "discovery_prefix", "node_id", "hermes", "metrics", "audio_queue_seconds"))
    node_id = field.get("node_id").text(default_node)
    if not re.fullmatch(r"[A-Za-z0-9_-]+", node_id):
        raise field.get("node_id").error(f"invalid node id {node_id!r} (expected letters, digits, _ and -)")
    return DaemonSettings(
        discovery=field.get("discovery").boolean(True),
        discovery_prefix=field.get("discovery_prefix").text("homeassistant").strip("/"),
        node_id=node_id,
        hermes=field.get("hermes").boolean(False),
        metrics=field.get("metrics").boolean(True),
        audio_queue_seconds=field.get("audio_queue_seconds").number(10.0, minimum=1.0, maximum=120.0),
    )
