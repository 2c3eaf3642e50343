"""The sound card as PortAudio (through sounddevice) sees it: listing and choosing devices.

Microphones and speakers are found the same way: by index, by exact name, by a unique part of
a name, or the system default; a device that is not there is an ``AudioError`` listing the
devices that are.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from types import ModuleType
from typing import Literal

from ..errors import AudioError

_LOGGER = logging.getLogger(__name__)

Direction = Literal["input", "output"]

_NONE_HINT = {
    "input": "there are no input devices (no sound card or microphone found; use --wav FILE)",
    "output": "there are no output devices (no sound card found; set tts.wav to write to a file)",
}


@dataclass(frozen=True)
class AudioDevice:
    index: int
    name: str
    channels: int
    default_rate: int
    host_api: str
    is_default: bool = False

    def __str__(self) -> str:
        mark = " (default)" if self.is_default else ""
        return f"{self.index}: {self.name!r} ({self.host_api}, {self.channels} ch, {self.default_rate} Hz){mark}"


def portaudio() -> ModuleType:
    """The sounddevice module, or an AudioError saying how to install PortAudio."""
    try:
        import sounddevice
    except OSError as err:  # the PortAudio library itself is missing
        raise AudioError(
            f"cannot use the sound card: {err} (install PortAudio: apt-get install libportaudio2)"
        ) from err
    return sounddevice


def list_devices(direction: Direction, refresh: bool = False) -> list[AudioDevice]:
    """Every device PortAudio can record from (input) or play to (output).

    ``refresh`` rescans first: PortAudio lists devices once, at initialisation.
    """
    sd = portaudio()
    if refresh:
        _rescan(sd)
    try:
        default = sd.default.device[0 if direction == "input" else 1]
        infos = sd.query_devices()
    except sd.PortAudioError as err:
        raise AudioError(f"cannot list audio devices: {err}") from err
    channels_key = "max_input_channels" if direction == "input" else "max_output_channels"
    return [
        AudioDevice(
            index=int(info["index"]),
            name=str(info["name"]),
            channels=int(info[channels_key]),
            default_rate=int(info["default_samplerate"]),
            host_api=str(sd.query_hostapis(info["hostapi"])["name"]),
            is_default=int(info["index"]) == default,
        )
        for info in infos
        if info[channels_key] > 0
    ]


def _rescan(sd: ModuleType) -> None:
    try:
        sd._terminate()
        sd._initialize()
    except Exception as err:  # noqa: BLE001 - PortAudio raises its own and OSError
        _LOGGER.debug("PortAudio re-initialisation failed: %s", err)


def describe_devices(direction: Direction, devices: list[AudioDevice]) -> str:
    if not devices:
        return _NONE_HINT[direction]
    return f"{direction} devices:\n" + "\n".join(f"  {device}" for device in devices)


def find_device(direction: Direction, spec: str | int | None, devices: list[AudioDevice]) -> AudioDevice:
    """The device for ``spec``: an index, an exact name, a unique part of a name, or None/"default"."""
    listing = lambda found: describe_devices(direction, found)  # noqa: E731
    if spec is None or (isinstance(spec, str) and spec.strip().lower() in ("", "default")):
        for device in devices:
            if device.is_default:
                return device
        if devices:
            return devices[0]
        raise AudioError(f"no default {direction} device; " + listing(devices))
    if isinstance(spec, int) or spec.strip().isdigit():
        index = int(spec)
        for device in devices:
            if device.index == index:
                return device
        raise AudioError(f"no {direction} device with index {index}; " + listing(devices))
    wanted = spec.strip().lower()
    exact = [device for device in devices if device.name.lower() == wanted]
    if exact:
        return exact[0]
    partial = [device for device in devices if wanted in device.name.lower()]
    if len(partial) == 1:
        return partial[0]
    if len(partial) > 1:
        raise AudioError(f"{direction} device {spec!r} is ambiguous, it matches several; " + listing(partial))
    raise AudioError(f"{direction} device {spec!r} not found; " + listing(devices))
