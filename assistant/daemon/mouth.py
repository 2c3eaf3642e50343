"""The daemon's voice: replies and earcons through the configured Speaker."""

from __future__ import annotations

import logging
import threading

from ..tts import Speaker

_LOGGER = logging.getLogger(__name__)


class SpeakerMouth:
    def __init__(self, speaker: Speaker) -> None:
        self.speaker = speaker

    def speak(self, text: str, cancel: threading.Event) -> float | None:
        spoken = self.speaker.speak(text, cancel)
        if not spoken.completed:
            _LOGGER.info("reply interrupted: %r", text)
        return spoken.first_audio_ms

    def earcon(self, name: str) -> None:
        self.speaker.play_earcon(name)
