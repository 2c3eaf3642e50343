"""Settings of the ``stt`` config section: which recogniser, which model, how strict.

stt:
  engine: auto              # auto | pocketsphinx | vosk
  vosk_model: models/vosk-model-small-en-us-0.15   # a Vosk model folder (relative to the config file)
  pocketsphinx_model: null  # default: the English model inside the pocketsphinx package
  min_confidence: 0.5       # below this the grammar result is not trusted (second pass instead)
  open_vocabulary: true     # second, open-vocabulary pass when the grammar result is rejected
  open_min_confidence: 0.3  # below this the second pass is rejected too: "I didn't catch that"
  decoys: true              # common rooms and things this home lacks in the grammar (decoys.py)
  denoise: true             # take steady background noise (fans, hum) out before recognition
  complete_half_commands: false  # a second grammar decoder completes a command whose last word was lost (+44 MB)
  pronunciations:           # words the dictionary lacks, in ARPAbet (else espeak-ng guesses)
    zigbee: Z IH G B IY
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..config import Config, section_parser
from .pronounce import check_arpabet

ENGINES = ("auto", "pocketsphinx", "vosk")
STT_KEYS = (
    "engine",
    "vosk_model",
    "pocketsphinx_model",
    "min_confidence",
    "open_vocabulary",
    "open_min_confidence",
    "decoys",
    "denoise",
    "complete_half_commands",
    "pronunciations",
)


@dataclass(frozen=True)
class SttSettings:
    engine: str = "auto"
    """auto: Vosk when a Vosk model is configured or found in the usual places, else PocketSphinx."""
    vosk_model: Path | None = None
    """A Vosk model folder (with am/ and graph/ or conf/ inside)."""
    pocketsphinx_model: Path | None = None
    """A PocketSphinx model folder like the package's en-us (en-us/, cmudict-en-us.dict, en-us.lm.bin)."""
    min_confidence: float = 0.5
    """Grammar results below this confidence go to the open-vocabulary pass (or are rejected)."""
    open_vocabulary: bool = True
    """Run a second, open-vocabulary pass when the grammar result is rejected."""
    open_min_confidence: float = 0.3
    """Open-vocabulary results below this confidence are rejected: "I didn't catch that"."""
    decoys: bool = True
    """Put common rooms and things this home lacks in the grammar, so they are not heard as its own."""
    denoise: bool = True
    """Remove steady background noise from each command before PocketSphinx decodes it (audio/denoise.py)."""
    complete_half_commands: bool = False
    """A second PocketSphinx grammar decoder completes a command whose last word the first lost
    (pocketsphinx_engine.py): clean acceptance 87.2% -> 90.7% on the speech bench, but 44 MB more,
    which takes the daemon past 600 MB; off by default."""
    pronunciations: dict[str, str] = field(default_factory=dict)
    """word -> ARPAbet phones, for words the PocketSphinx dictionary lacks."""


@section_parser
def stt_settings(config: Config) -> SttSettings:
    section = config.sections.get("stt")
    if section is None or section.is_missing:
        return SttSettings()
    section.check_keys(STT_KEYS)
    base = config.base_dir
    vosk_model = section.get("vosk_model").path(base)
    if vosk_model is not None and not vosk_model.is_dir():
        raise section.get("vosk_model").error(f"no Vosk model folder at {vosk_model}")
    pocketsphinx_model = section.get("pocketsphinx_model").path(base)
    if pocketsphinx_model is not None and not (pocketsphinx_model / "en-us").is_dir():
        raise section.get("pocketsphinx_model").error(
            f"no PocketSphinx model at {pocketsphinx_model} (expected en-us/, cmudict-en-us.dict, en-us.lm.bin inside)"
        )
    engine = section.get("engine").choice(ENGINES, "auto", what="speech recognition engine")
    if engine == "vosk" and vosk_model is None:
        raise section.get("engine").error("engine vosk needs stt.vosk_model (the folder of a Vosk model)")
    pronunciations: dict[str, str] = {}
    for word, phones in section.get("pronunciations").entries():
        try:
            pronunciations[" ".join(word.lower().split())] = check_arpabet(phones.text())
        except ValueError as err:
            raise phones.error(str(err)) from err
    return SttSettings(
        engine=engine,
        vosk_model=vosk_model,
        pocketsphinx_model=pocketsphinx_model,
        min_confidence=section.get("min_confidence").number(0.5, minimum=0.0, maximum=1.0),
        open_vocabulary=section.get("open_vocabulary").boolean(True),
        open_min_confidence=section.get("open_min_confidence").number(0.3, minimum=0.0, maximum=1.0),
        decoys=section.get("decoys").boolean(True),
        denoise=section.get("denoise").boolean(True),
        complete_half_commands=section.get("complete_half_commands").boolean(False),
        pronunciations=pronunciations,
    )
