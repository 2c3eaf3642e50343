"""Splitting a Piper (VITS) voice into an encoder and a waveform decoder, for chunked decoding.

A Piper voice is one ONNX graph: text encoder, duration predictor and flow produce a latent
sequence ``z`` (one frame per 256 output samples); the HiFi-GAN decoder turns ``z`` into audio.
The decoder is convolutional, so decoding ``z`` in chunks with a few frames of context on each
side gives the same samples as decoding it whole (max difference ~1e-6 with 12 frames), and the
first chunk of a sentence can play while the rest is decoded. The decoder is about 70% of the
work, so the first audio of a 3-second sentence comes after ~100 ms instead of ~250 ms.

This needs the ``onnx`` package to cut the graph; voices whose graph does not have the usual
shape (``/dec/conv_pre`` fed by ``z``; multi-speaker voices, whose decoder also takes a speaker
embedding) are not split, and are decoded a sentence at a time instead.

Cutting costs time (0.3 s) and memory (the ``onnx`` module and the graph in protobuf form, about
40 MB that the process keeps), so ``split_voice_cached`` does it once and keeps the two halves as
ONNX files in the cache folder, named after the voice file's path, size and modification time;
later starts load the halves directly and never import ``onnx``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_LOGGER = logging.getLogger(__name__)

DECODER_ENTRY = "/dec/conv_pre/Conv"
"""The decoder's first node in graphs exported by Piper's training code."""
SPEAKER_CONDITIONING = "/dec/cond/"

FIRST_CHUNK_FRAMES = 16
"""First chunk of a sentence: 16 frames, about 0.19 s of audio at 22.05 kHz."""
MAX_CHUNK_FRAMES = 160
"""Later chunks double in size up to this, to keep the per-chunk overhead small."""
CONTEXT_FRAMES = 12
"""Frames decoded on each side of a chunk and then discarded, so chunk borders are seamless."""


class CannotSplit(Exception):
    """The voice cannot be split; it will be decoded a sentence at a time."""


@dataclass(frozen=True)
class SplitVoice:
    encoder: bytes | Path
    """ONNX graph, serialized or a file: (input, input_lengths, scales) -> latent frames."""
    decoder: bytes | Path
    """ONNX graph, serialized or a file: latent frames -> audio."""
    latent_name: str
    """Name of the tensor between the two."""


SPLIT_FORMAT = "1"
"""Changes when the way voices are cut changes; part of the cached halves' names."""


def split_voice_cached(model_path: Path, cache_dir: Path) -> SplitVoice:
    """``split_voice``, kept in ``cache_dir``: cut once, then loaded from the two files."""
    stat = model_path.stat()
    identity = f"{SPLIT_FORMAT}|{model_path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    stem = f"{model_path.name.removesuffix('.onnx')}-{hashlib.sha256(identity.encode()).hexdigest()[:16]}"
    folder = cache_dir / "voices"
    encoder, decoder, latent = (folder / f"{stem}.{part}" for part in ("encoder.onnx", "decoder.onnx", "latent"))
    if encoder.is_file() and decoder.is_file() and latent.is_file():
        name = latent.read_text(encoding="utf-8").strip()
        if name:
            return SplitVoice(encoder, decoder, name)
    split = split_voice(model_path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for path, content in ((encoder, split.encoder), (decoder, split.decoder), (latent, split.latent_name.encode())):
            assert isinstance(content, bytes)
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".tmp-", delete=False) as handle:
                handle.write(content)
            os.replace(handle.name, path)  # whole files only; the latent name is written last
    except OSError as err:
        _LOGGER.info("cannot keep the split voice in %s (%s); it is cut again at every start", folder, err)
    return split


def split_voice(model_path: Path) -> SplitVoice:
    """Cut the voice's graph in two at the decoder's input."""
    try:
        import onnx
        import onnx.utils
    except ImportError as err:
        raise CannotSplit("the onnx package is not installed") from err
    model = onnx.load(str(model_path))
    graph = model.graph
    if any(node.name.startswith(SPEAKER_CONDITIONING) for node in graph.node):
        raise CannotSplit("a multi-speaker voice (its decoder takes a speaker embedding)")
    entries = [node for node in graph.node if node.name == DECODER_ENTRY]
    if not entries:
        raise CannotSplit(f"no {DECODER_ENTRY} node in the graph")
    latent = entries[0].input[0]
    inputs = [value.name for value in graph.input]
    outputs = [value.name for value in graph.output]
    extractor = onnx.utils.Extractor(model)
    try:
        encoder = extractor.extract_model(inputs, [latent])
        decoder = extractor.extract_model([latent], outputs)
    except Exception as err:  # onnx raises several kinds for graphs it cannot cut
        raise CannotSplit(f"cutting the graph failed: {err}") from err
    decoder_inputs = {value.name for value in decoder.graph.input}
    decoder_inputs -= {tensor.name for tensor in decoder.graph.initializer}
    if decoder_inputs != {latent}:
        raise CannotSplit(f"the decoder needs more than the latent frames: {sorted(decoder_inputs)}")
    _LOGGER.debug("split voice %s at %s", model_path.name, latent)
    return SplitVoice(encoder.SerializeToString(), decoder.SerializeToString(), latent)


def chunk_bounds(frames: int) -> Iterator[tuple[int, int]]:
    """(start, end) of the chunks a sentence of ``frames`` latent frames is decoded in."""
    start, size = 0, FIRST_CHUNK_FRAMES
    while start < frames:
        end = min(frames, start + size)
        if frames - end < FIRST_CHUNK_FRAMES // 2:
            end = frames  # no tiny last chunk
        yield start, end
        start, size = end, min(size * 2, MAX_CHUNK_FRAMES)
