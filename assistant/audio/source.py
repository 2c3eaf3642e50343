"""Where sound comes from: a microphone through sounddevice (PortAudio), or a WAV/raw PCM file.

Both deliver ``AudioFrame``s of 16 kHz mono 16-bit PCM. The microphone is chosen by index or by
(part of) its name; one that is not there is an ``AudioError`` listing the input devices that are.
A microphone that stops delivering audio (unplugged) is reported through the log and the status
callback, and reopened as soon as it is back.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..errors import AudioError
from .clip import read_wav
from .devices import AudioDevice, find_device, list_devices, portaudio
from .frames import SAMPLE_RATE, AudioFrame, Framer, split_frames
from .resample import Resampler, resample

_LOGGER = logging.getLogger(__name__)


class AudioSource(Protocol):
    """A stream of frames; ``frames()`` ends when the source is exhausted or closed."""

    @property
    def description(self) -> str: ...

    def frames(self) -> Iterator[AudioFrame]: ...

    def close(self) -> None: ...


# --- files ----------------------------------------------------------------------------------


def read_pcm(path: Path) -> bytes:
    """A WAV file (16-bit PCM, any rate, mono or stereo) or a raw file (16 kHz mono S16_LE) as PCM.

    Raw files are recognised by their suffix (.raw, .pcm, .s16); everything else must be a WAV.
    """
    path = Path(path)
    if path.suffix.lower() in (".raw", ".pcm", ".s16"):
        try:
            data = path.read_bytes()
        except FileNotFoundError as err:
            raise AudioError(f"{path}: audio file not found") from err
        except OSError as err:
            raise AudioError(f"{path}: cannot read audio file ({err})") from err
        if len(data) % 2:
            raise AudioError(f"{path}: odd number of bytes; expected 16-bit samples (16 kHz mono S16_LE)")
        return data
    if not path.exists():
        raise AudioError(f"{path}: audio file not found")
    clip = read_wav(path)
    if clip.sample_rate != SAMPLE_RATE:
        _LOGGER.debug("%s: resampling %d Hz to %d Hz", path, clip.sample_rate, SAMPLE_RATE)
        clip = resample(clip, SAMPLE_RATE)
    return clip.to_bytes()


class FileSource:
    """Frames from a WAV or raw PCM file, as fast as they are read (batch use and tests)."""

    def __init__(self, path: Path, trailing_silence: float = 0.0) -> None:
        self.path = Path(path)
        self._pcm = read_pcm(self.path)
        self._pcm += bytes(2 * round(trailing_silence * SAMPLE_RATE))
        self._closed = False

    @property
    def description(self) -> str:
        return f"file {self.path}"

    @property
    def pcm(self) -> bytes:
        return self._pcm

    def frames(self) -> Iterator[AudioFrame]:
        for frame in split_frames(self._pcm):
            if self._closed:
                return
            yield frame

    def close(self) -> None:
        self._closed = True


# --- the microphone -------------------------------------------------------------------------


InputDevice = AudioDevice


def input_devices(refresh: bool = False) -> list[AudioDevice]:
    """Every device PortAudio can record from. ``refresh`` rescans (a device plugged in later)."""
    return list_devices("input", refresh)


def find_input_device(spec: str | int | None, devices: list[AudioDevice] | None = None) -> AudioDevice:
    """The microphone for ``spec``: an index, an exact name, a unique part of a name, or None (default)."""
    return find_device("input", spec, input_devices() if devices is None else devices)


StatusCallback = Callable[[str, str], None]
"""Called with ("open" | "lost" | "closed", a sentence for people) when the microphone changes."""


class MicrophoneSource:
    """Frames from a PortAudio input device, at 16 kHz (resampled if the device cannot do 16 kHz).

    ``frames()`` blocks for audio. If the device stops delivering for ``stall_seconds`` or its
    stream fails, it is closed, reported as lost, and reopened every ``retry_seconds`` until it
    is back; ``close()`` from another thread ends ``frames()``.
    """

    def __init__(
        self,
        device: str | int | None = None,
        *,
        block_seconds: float = 0.032,
        stall_seconds: float = 2.0,
        retry_seconds: float = 2.0,
        on_status: StatusCallback | None = None,
    ) -> None:
        self.spec = device
        self.block_seconds = block_seconds
        self.stall_seconds = stall_seconds
        self.retry_seconds = retry_seconds
        self.on_status = on_status
        self.device = find_input_device(device)
        self._queue: queue.Queue[bytes] = queue.Queue(maxsize=1000)
        self._closed = threading.Event()
        self._stream: Any = None
        self._resampler: Resampler | None = None

    @property
    def description(self) -> str:
        return f"microphone {self.device}"

    def _status(self, state: str, message: str) -> None:
        if state == "lost":
            _LOGGER.warning("%s", message)
        else:
            _LOGGER.info("%s", message)
        if self.on_status is not None:
            self.on_status(state, message)

    def _callback(self, indata: Any, frames: int, time_info: Any, status: Any) -> None:
        del frames, time_info
        if status:
            _LOGGER.debug("microphone status: %s", status)
        try:
            self._queue.put_nowait(bytes(indata))
        except queue.Full:
            _LOGGER.warning("audio is not being consumed fast enough; dropping %d bytes", len(indata))

    def _open(self) -> None:
        sd = portaudio()
        last_error: Exception | None = None
        for rate in (SAMPLE_RATE, self.device.default_rate):
            try:
                stream = sd.RawInputStream(
                    samplerate=rate,
                    blocksize=max(1, round(rate * self.block_seconds)),
                    device=self.device.index,
                    channels=1,
                    dtype="int16",
                    callback=self._callback,
                )
                stream.start()
            except (sd.PortAudioError, ValueError) as err:
                last_error = err
                continue
            self._stream = stream
            self._resampler = Resampler(rate, SAMPLE_RATE) if rate != SAMPLE_RATE else None
            self._status("open", f"microphone {self.device.name!r} open at {rate} Hz")
            return
        raise AudioError(f"cannot open microphone {self.device}: {last_error}")

    def _close_stream(self) -> None:
        stream, self._stream = self._stream, None
        if stream is None:
            return
        try:
            stream.abort()
            stream.close()
        except Exception as err:  # noqa: BLE001 - a vanished device fails in many ways
            _LOGGER.debug("closing the microphone stream failed: %s", err)

    def _reopen(self) -> bool:
        """Wait until the device is back and open it; False if closed meanwhile."""
        while not self._closed.wait(self.retry_seconds):
            try:
                self.device = find_input_device(self.spec, input_devices(refresh=True))
                self._open()
                return True
            except AudioError as err:
                _LOGGER.debug("microphone still unavailable: %s", err)
        return False

    def frames(self) -> Iterator[AudioFrame]:
        framer = Framer()
        self._open()
        try:
            while not self._closed.is_set():
                try:
                    chunk = self._queue.get(timeout=self.stall_seconds)
                except queue.Empty:
                    chunk = b""
                stream_ok = self._stream is not None and self._stream.active
                if not chunk or not stream_ok:
                    if self._closed.is_set():
                        break
                    self._close_stream()
                    self._status("lost", f"microphone {self.device.name!r} stopped delivering audio; waiting for it to return")
                    if not self._reopen():
                        break
                    continue
                if self._resampler is not None:
                    samples = np.frombuffer(chunk, dtype="<i2").astype(np.int16)
                    chunk = self._resampler.process(samples).tobytes()
                yield from framer.push(chunk)
        finally:
            self._close_stream()

    def close(self) -> None:
        self._closed.set()
        self._status("closed", f"microphone {self.device.name!r} closed")

