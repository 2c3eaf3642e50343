"""The audio, wake, vad and stt config sections: defaults, values, and errors with file:line:key."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import settings_sections  # noqa: F401 - registers the section parsers
from assistant.audio.settings import AudioSettings, VadSettings, audio_settings, vad_settings, wake_settings
from assistant.config import Config, load_config
from assistant.errors import ConfigErrors
from assistant.nlu.llm.settings import parse_llm_settings
from assistant.stt.factory import choose_engine, find_vosk_model
from assistant.stt.settings import SttSettings, stt_settings

from .conftest import EXAMPLE_CONFIG


def config_with(tmp_path: Path, extra: str) -> Path:
    """The example home plus ``extra`` YAML, written next to a copy of the intents."""
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8").replace("paths: [../intents]", f"paths: [{EXAMPLE_CONFIG.parent.parent / 'intents'}]")
    path = tmp_path / "assistant.yaml"
    path.write_text(text + "\n" + extra, encoding="utf-8")
    return path


def test_defaults_without_the_sections(example_config: Config) -> None:
    assert audio_settings(example_config) == AudioSettings()
    # Silero and llama-cpp-python cannot share a process: with the language model on, WebRTC is the default.
    expected_engine = "webrtc" if parse_llm_settings(example_config).enabled else "silero"
    # WebRTC's noise gate hears a start late in noise: it gets more audio from before it
    expected_pre_roll = 0.6 if expected_engine == "webrtc" else 0.3
    assert vad_settings(example_config) == VadSettings(engine=expected_engine, pre_roll=expected_pre_roll)
    wake = wake_settings(example_config)
    assert (wake.phrase, wake.sensitivity, wake.push_to_talk_topic) == ("hey computer", 0.5, "assistant/push_to_talk")
    assert stt_settings(example_config) == SttSettings()


def test_every_key_is_read(tmp_path: Path) -> None:
    (tmp_path / "vosk-model-small-en-us-0.15").mkdir()
    config = load_config(
        config_with(
            tmp_path,
            """
audio:
  device: 2
  stall_seconds: 1.5
wake:
  phrase: Hey  Jarvis
  sensitivity: 0.7
  push_to_talk_topic: home/satellite/talk
vad:
  engine: webrtc
  aggressiveness: 3
  trailing_silence: 0.8
  max_command: 6
  onset_gap: 0.1
  onset_lookback: 0.5
  pre_roll: 0.2
stt:
  engine: vosk
  vosk_model: vosk-model-small-en-us-0.15
  min_confidence: 0.6
  open_vocabulary: false
  open_engine: own
  whisper_threads: 2
  whisper_window: 15
  whisper_commands: false
  whisper_command_confidence: 0.5
  pronunciations:
    Zigbee: z ih g b iy
""",
        )
    )
    assert audio_settings(config).device == 2
    wake = wake_settings(config)
    assert (wake.phrase, wake.sensitivity, wake.push_to_talk_topic) == ("hey jarvis", 0.7, "home/satellite/talk")
    vad = vad_settings(config)
    assert (vad.engine, vad.aggressiveness, vad.pre_roll) == ("webrtc", 3, 0.2)
    assert (vad.endpointer.trailing_silence, vad.endpointer.max_command) == (0.8, 6.0)
    assert (vad.endpointer.onset_gap, vad.endpointer.onset_lookback) == (0.1, 0.5)
    stt = stt_settings(config)
    assert stt.engine == "vosk" and stt.vosk_model == tmp_path / "vosk-model-small-en-us-0.15"
    assert (stt.min_confidence, stt.open_vocabulary) == (0.6, False)
    assert (stt.open_engine, stt.whisper_model, stt.whisper_threads, stt.whisper_window) == ("own", None, 2, 15.0)
    assert (stt.whisper_commands, stt.whisper_command_confidence) == (False, 0.5)
    assert stt.pronunciations == {"zigbee": "Z IH G B IY"}


@pytest.mark.parametrize(
    ("extra", "line", "key", "message"),
    [
        ("stt:\n  engine: whisper\n", 2, "stt.engine", "unknown speech recognition engine 'whisper'"),
        ("stt:\n  vosk_model: nowhere\n", 2, "stt.vosk_model", "no Vosk model folder at"),
        ("stt:\n  engine: vosk\n", 2, "stt.engine", "needs stt.vosk_model"),
        ("stt:\n  pronunciations:\n    zigbee: Z Q\n", 3, "stt.pronunciations.zigbee", "unknown phones Q"),
        ("stt:\n  min_confidence: 2\n", 2, "stt.min_confidence", "too large"),
        ("stt:\n  open_engine: kaldi\n", 2, "stt.open_engine", "unknown second-pass engine 'kaldi'"),
        ("stt:\n  whisper_model: nowhere\n", 2, "stt.whisper_model", "no Whisper model folder at"),
        ("stt:\n  whisper_threads: 0\n", 2, "stt.whisper_threads", "too small"),
        ("stt:\n  open_llm_confidence: 1.5\n", 2, "stt.open_llm_confidence", "too large"),
        ("stt:\n  whisper_window: 60\n", 2, "stt.whisper_window", "too large"),
        ("stt:\n  whisper_commands: maybe\n", 2, "stt.whisper_commands", "true or false"),
        ("stt:\n  whisper_command_confidence: -1\n", 2, "stt.whisper_command_confidence", "too small"),
        ("stt:\n  beam: 1\n", 2, "stt.beam", "unknown key"),
        ("vad:\n  engine: magic\n", 2, "vad.engine", "unknown voice activity detector"),
        ("vad:\n  min_command: 5\n  max_command: 2\n", 2, "vad.min_command", "must be below max_command"),
        ("vad:\n  onset_gap: -0.1\n", 2, "vad.onset_gap", "too small"),
        ("wake:\n  phrase: hey 2000\n", 2, "wake.phrase", "must be words"),
        ("wake:\n  push_to_talk_topic: a/#\n", 2, "wake.push_to_talk_topic", "wildcards"),
        ("audio:\n  stall_seconds: 0\n", 2, "audio.stall_seconds", "too small"),
    ],
)
def test_mistakes_are_reported_with_file_line_and_key(tmp_path: Path, extra: str, line: int, key: str, message: str) -> None:
    path = config_with(tmp_path, extra)
    base = len(path.read_text(encoding="utf-8").splitlines()) - len(extra.splitlines())
    with pytest.raises(ConfigErrors) as errors:
        load_config(path)
    [error] = errors.value.errors
    assert error.source == path
    assert error.key == key
    assert error.line == base + line
    assert message in error.message


def test_auto_picks_a_downloaded_english_vosk_model(tmp_path: Path) -> None:
    config = load_config(config_with(tmp_path, ""))
    assert choose_engine(config, SttSettings()) == ("pocketsphinx", None)
    model = tmp_path / "models" / "vosk-model-small-en-us-0.15"
    (model / "am").mkdir(parents=True)
    (model / "am" / "final.mdl").write_bytes(b"")
    (tmp_path / "models" / "vosk-model-small-ko-0.22" / "am").mkdir(parents=True)
    (tmp_path / "models" / "vosk-model-small-ko-0.22" / "am" / "final.mdl").write_bytes(b"")
    assert find_vosk_model(config) == model
    assert choose_engine(config, SttSettings()) == ("vosk", model)
    assert choose_engine(config, SttSettings(engine="pocketsphinx")) == ("pocketsphinx", None)


def test_decoys_can_be_switched_off(tmp_path: Path) -> None:
    from assistant.nlu.templates import TemplateRecognizer, load_intents
    from assistant.registry import Registry
    from assistant.stt.factory import command_grammar

    config = load_config(config_with(tmp_path, "stt:\n  decoys: false\n"))
    assert stt_settings(config).decoys is False
    templates = TemplateRecognizer(load_intents(config.intent_paths), Registry.from_config(config))
    bathroom = ("dim", "the", "lights", "in", "the", "bathroom")
    assert not command_grammar(templates, decoys=False).graph.accepts(bathroom)
    assert command_grammar(templates).graph.accepts(bathroom)


def test_denoising_is_on_unless_switched_off(tmp_path: Path) -> None:
    assert stt_settings(load_config(config_with(tmp_path, ""))).denoise is True
    assert stt_settings(load_config(config_with(tmp_path, "stt:\n  denoise: false\n"))).denoise is False
    with pytest.raises(ConfigErrors) as errors:
        load_config(config_with(tmp_path, "stt:\n  denoise: maybe\n"))
    assert [error.key for error in errors.value.errors] == ["stt.denoise"]


def test_completing_half_commands_is_off_unless_switched_on(tmp_path: Path) -> None:
    assert stt_settings(load_config(config_with(tmp_path, ""))).complete_half_commands is False
    on = stt_settings(load_config(config_with(tmp_path, "stt:\n  complete_half_commands: true\n")))
    assert on.complete_half_commands is True
