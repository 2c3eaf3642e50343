"""Speech out: Piper voices, sentence-by-sentence synthesis, and the speaker that plays replies.

from assistant.tts import Speaker, parse_tts_settings
speaker = Speaker.from_settings(parse_tts_settings(config))
speaker.play_earcon("wake")
spoken = speaker.speak("Kitchen light or hallway light?", cancel_event)
"""

from .settings import Earcons, TtsSettings, parse_tts_settings
from .speaker import Speaker, SpokenReply
from .voice import Voice

__all__ = ["Earcons", "Speaker", "SpokenReply", "TtsSettings", "Voice", "parse_tts_settings"]
