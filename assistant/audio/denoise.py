"""Steady background noise taken out of a recorded command before recognition.

A fan, an extractor hood or a fridge hums at the same level all through a command. Its spectrum
is estimated from the quietest frames of the recording itself (a command is surrounded by
pauses: the lead-in and the trailing silence that ends it), and removed frame by frame with a
Wiener gain whose a-priori SNR is smoothed over time ("decision-directed", Ephraim and Malah),
which keeps the warbling "musical noise" of plain spectral subtraction low. Recordings whose
noise is already far below the speech are returned unchanged, so clean commands decode exactly
as before.

    cleaned = remove_steady_noise(pcm)   # 16-bit mono PCM at 16 kHz in, same out
"""

from __future__ import annotations

import numpy as np

FRAME = 512
"""Samples per analysis frame (32 ms at 16 kHz)."""
HOP = FRAME // 4
NOISE_QUANTILE = 0.1
"""The share of frames per frequency taken as noise only; a command has more silence than that."""
QUANTILE_BIAS = -np.log(1 - NOISE_QUANTILE)
"""A periodogram bin of noise is exponentially distributed: its q-quantile is mean * -ln(1 - q)."""
SMOOTHING = 0.98
"""Weight of the previous frame's clean estimate in the a-priori SNR (decision-directed)."""
GAIN_FLOOR = 0.3
"""The least a frequency is kept. Measured on 104 commands at 10 dB (Piper and espeak-ng):
0.1 cut deeper and made PocketSphinx surer of wrong words (5 wrong actions, 2 without denoising);
0.3: acceptance 57% -> 60%, same action 67% -> 79%, 1 wrong action, decode time halved; 0.5 much
like 0.3 but slower."""
CLEAN_ENOUGH_DB = 25.0
"""Speech this far above the estimated noise is left alone."""


def remove_steady_noise(pcm: bytes) -> bytes:
    """``pcm`` (16-bit little-endian mono) with its steady background noise removed."""
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    if len(samples) < FRAME * 4:
        return pcm
    window = np.hanning(FRAME + 1)[:FRAME]
    padded = np.concatenate([np.zeros(FRAME), samples, np.zeros(FRAME)])
    count = (len(padded) - FRAME) // HOP + 1
    starts = np.arange(count) * HOP
    spectra = np.fft.rfft(padded[starts[:, None] + np.arange(FRAME)] * window, axis=1)
    power = np.abs(spectra) ** 2
    noise = np.quantile(power, NOISE_QUANTILE, axis=0) / QUANTILE_BIAS + 1e-9
    if _speech_to_noise_db(power, noise) >= CLEAN_ENOUGH_DB:
        return pcm
    gains = _wiener_gains(power, noise)
    frames = np.fft.irfft(spectra * gains, n=FRAME, axis=1) * window
    output = np.zeros(len(padded))
    norm = np.zeros(len(padded))
    for start, frame in zip(starts, frames, strict=True):
        output[start : start + FRAME] += frame
        norm[start : start + FRAME] += window**2
    cleaned = output[FRAME : FRAME + len(samples)] / np.maximum(norm[FRAME : FRAME + len(samples)], 1e-3)
    return np.clip(np.round(cleaned), -32768, 32767).astype("<i2").tobytes()


def _speech_to_noise_db(power: np.ndarray, noise: np.ndarray) -> float:
    """How far the loudest tenth of the frames is above the noise estimate, in dB."""
    frame_power = power.sum(axis=1)
    loud = frame_power[frame_power >= np.quantile(frame_power, 0.9)]
    return float(10 * np.log10(loud.mean() / noise.sum()))


def _wiener_gains(power: np.ndarray, noise: np.ndarray) -> np.ndarray:
    gains = np.empty_like(power)
    previous_clean = np.zeros(power.shape[1])
    for index, frame in enumerate(power):
        posterior = frame / noise
        prior = SMOOTHING * previous_clean / noise + (1 - SMOOTHING) * np.maximum(posterior - 1, 0)
        gain = np.maximum(prior / (1 + prior), GAIN_FLOOR)
        gains[index] = gain
        previous_clean = (gain**2) * frame
    return gains
