"""Where sound goes: a speaker through sounddevice (PortAudio), or a WAV file.

A sink plays an iterable of ``AudioClip`` as the clips arrive, so speech starts with its first
chunk while the rest is still being synthesized, and stops within one block (50 ms) when the
cancel event is set. Devices are chosen by index or by (part of) their name; a device that is not
there is an ``AudioError`` that lists the output devices that are.
"""

from __future__ import annotations

import logging
import threading
import time
import wave
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from ..errors import AudioError
from .clip import AudioClip
from .devices import AudioDevice, find_device, list_devices, portaudio
from .resample import Resampler, resample

_LOGGER = logging.getLogger(__name__)

BLOCK_SECONDS = 0.05
"""Audio is written in blocks this long; a cancel takes effect between two blocks."""


@dataclass(frozen=True)
class Playback:
    """What a sink did with one stream of clips."""

    completed: bool
    """False when the cancel event stopped it early."""
    seconds: float
    """Seconds of audio handed to the device or file."""
    first_audio_at: float | None
    """``time.perf_counter()`` when the first samples went out; None if there were none."""


class AudioSink(Protocol):
    """Plays clips; the speaker, a WAV file, or anything a test wants to put there."""

    @property
    def description(self) -> str: ...

    def play(self, clips: Iterable[AudioClip], cancel: threading.Event | None = None) -> Playback:
        """Play the clips in order as they arrive; return early when ``cancel`` is set."""
        ...

    def close(self) -> None: ...


# --- the speaker -------------------------------------------------------------------------


OutputDevice = AudioDevice


def output_devices() -> list[AudioDevice]:
    """Every device PortAudio can play to."""
    return list_devices("output")


def find_output_device(spec: str | int | None) -> AudioDevice:
    """The speaker for ``spec``: an index, an exact name, a unique part of a name, or None (default)."""
    return find_device("output", spec, output_devices())


class SoundDeviceSink:
    """Plays through a PortAudio output device, resampling if the device refuses the clip's rate."""

    def __init__(self, device: str | int | None = None) -> None:
        self.device = find_output_device(device)
        self._sd = portaudio()

    @property
    def description(self) -> str:
        return f"sound device {self.device}"

    def _stream_format(self, rate: int) -> tuple[int, int]:
        """A (sample rate, channels) the device accepts, preferring the clip's own rate and mono."""
        candidates = [(rate, 1), (rate, 2), (self.device.default_rate, 1), (self.device.default_rate, 2)]
        reasons = []
        for candidate_rate, channels in candidates:
            if channels > self.device.channels:
                continue
            try:
                self._sd.check_output_settings(
                    device=self.device.index, samplerate=candidate_rate, channels=channels, dtype="int16"
                )
                return candidate_rate, channels
            except Exception as err:  # sounddevice raises PortAudioError or ValueError
                reasons.append(f"{candidate_rate} Hz x {channels}: {err}")
        raise AudioError(f"output device {self.device} accepts none of: " + "; ".join(reasons))

    def play(self, clips: Iterable[AudioClip], cancel: threading.Event | None = None) -> Playback:
        stream_of_clips = iter(clips)
        first = next(stream_of_clips, None)
        if first is None or (cancel is not None and cancel.is_set()):
            return Playback(completed=first is None, seconds=0.0, first_audio_at=None)
        rate, channels = self._stream_format(first.sample_rate)
        if rate != first.sample_rate:
            _LOGGER.debug("device %s plays at %d Hz: resampling from %d Hz", self.device.name, rate, first.sample_rate)
        blocks = _blocks(chain([first], stream_of_clips), first.sample_rate, rate)
        block_frames = max(1, round(BLOCK_SECONDS * rate))
        written = 0
        first_audio_at: float | None = None
        try:
            stream = self._sd.OutputStream(samplerate=rate, channels=channels, dtype="int16", device=self.device.index)
        except Exception as err:
            raise AudioError(f"cannot open output device {self.device}: {err}") from err
        try:
            stream.start()
            for samples in blocks:
                for start in range(0, len(samples), block_frames):
                    if cancel is not None and cancel.is_set():
                        stream.abort()
                        return Playback(False, written / rate, first_audio_at)
                    block = samples[start : start + block_frames]
                    frames = np.repeat(block[:, None], channels, axis=1) if channels > 1 else block
                    if stream.write(frames):
                        _LOGGER.debug("output underflow on %s", self.device.name)
                    if first_audio_at is None:
                        first_audio_at = time.perf_counter()
                    written += len(block)
            stream.stop()  # returns once everything written has been played
        except self._sd.PortAudioError as err:
            raise AudioError(f"playback on {self.device} failed: {err}") from err
        finally:
            stream.close()
        return Playback(True, written / rate, first_audio_at)

    def close(self) -> None:
        """Nothing stays open between plays."""


def _blocks(clips: Iterable[AudioClip], source_rate: int, rate: int) -> Iterator[NDArray[np.int16]]:
    """The samples of each clip at ``rate``, keeping the resampler's state across clips."""
    resampler = Resampler(source_rate, rate) if rate != source_rate else None
    for clip in clips:
        if clip.sample_rate != source_rate:
            clip = resample(clip, source_rate)
        yield resampler.process(clip.samples) if resampler else clip.samples
    if resampler:
        yield resampler.flush()


# --- a WAV file --------------------------------------------------------------------------


class WavFileSink:
    """Appends everything played to one WAV file (mono, 16-bit), valid after every write.

    The first clip sets the file's sample rate; later clips at other rates are resampled to it.
    The file is created (or truncated) on the first play and closed by ``close()``.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.parent.is_dir():
            raise AudioError(f"{self.path}: cannot write a WAV file here, folder {self.path.parent} does not exist")
        self._wav: wave.Wave_write | None = None
        self._rate = 0

    @property
    def description(self) -> str:
        return f"WAV file {self.path}"

    def _open(self, rate: int) -> wave.Wave_write:
        if self._wav is None:
            try:
                wav = wave.open(str(self.path), "wb")  # noqa: SIM115 - stays open across plays until close()
            except OSError as err:
                raise AudioError(f"{self.path}: cannot write WAV file ({err})") from err
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(rate)
            self._wav, self._rate = wav, rate
        return self._wav

    def play(self, clips: Iterable[AudioClip], cancel: threading.Event | None = None) -> Playback:
        written = 0
        first_audio_at: float | None = None
        source_rate = 0
        resampler: Resampler | None = None
        for clip in clips:
            if cancel is not None and cancel.is_set():
                return Playback(False, written / max(self._rate, 1), first_audio_at)
            wav = self._open(clip.sample_rate)
            if resampler is None or clip.sample_rate != source_rate:
                source_rate = clip.sample_rate
                resampler = Resampler(source_rate, self._rate)
            samples = resampler.process(clip.samples)
            self._write(wav, samples)
            if first_audio_at is None:
                first_audio_at = time.perf_counter()
            written += len(samples)
        if resampler is not None and self._wav is not None:
            tail = resampler.flush()
            self._write(self._wav, tail)
            written += len(tail)
        return Playback(True, written / max(self._rate, 1), first_audio_at)

    def _write(self, wav: wave.Wave_write, samples: NDArray[np.int16]) -> None:
        try:
            wav.writeframes(samples.astype("<i2", copy=False).tobytes())
        except OSError as err:
            raise AudioError(f"{self.path}: cannot write WAV file ({err})") from err

    def close(self) -> None:
        if self._wav is not None:
            self._wav.close()
            self._wav = None
