"""The language model as an IntentRecognizer: the last link of the chain, after the templates.

    recognizer = build_llm_recognizer(config, registry, templates)   # None when llm.enabled is false
    intent = recognizer.recognize("it's too dark in the kitchen")
    # Intent(name="TurnOn", slots={"name": "kitchen light"}, source="llm", confidence=0.83, ...)

It answers None for "none", for answers below ``llm.confidence``, and for input it will not pass
to the model (empty, too long). An answer acting on other devices than the command names is not
taken: the model is asked again among the targets named (grounding.py). Its Intents have the same names and slots as the templates', with
``source="llm"``: the pipeline asks for a yes before acting on a ``confirm: true`` device.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ...config import Config
from ...registry import Registry
from ..intent import Intent
from ..templates import TemplateRecognizer
from .calibration_cache import CalibrationCache
from .decoder import ConstrainedDecoder, Decoded
from .gbnf import to_gbnf
from .grounding import Grounding
from .language import NONE_WORD, LineError, OutputLanguage, Target, build_language
from .model_file import resolve_model_path
from .prompt import Prompt, build_prompt
from .settings import DEFAULT_EXAMPLES, LlmSettings, parse_llm_settings
from .trie import TokenTrie, compile_trie

_LOGGER = logging.getLogger(__name__)

MAX_COMMAND_CHARS = 300
CALIBRATED_DECISIONS = 2
"""The first decisions (the target, and mostly the action) whose few-shot lean is divided out."""


@dataclass(frozen=True)
class Answer:
    """What the model said about one command, before the confidence threshold."""

    text: str
    line: str
    intent: Intent | None
    confidence: float
    seconds: float
    decisions: int
    forced: int
    overruled: str | None = None
    """The model's first line and why it was not taken (see grounding.py); ``line`` is then the
    answer it gave when asked again among the targets the command names (for a temperature that is not
    the number the command says, the same line: it is not asked again)."""


class LlmRecognizer:
    name = "llm"

    def __init__(
        self,
        settings: LlmSettings,
        language: OutputLanguage,
        prompt: Prompt,
        decoder: ConstrainedDecoder,
        adapter: Path | None = None,
    ) -> None:
        self.settings = settings
        self.language = language
        self.prompt = prompt
        self.decoder = decoder
        self.adapter = adapter
        """The LoRA adapter applied to the model, if any."""
        self.grounding = Grounding(language.resolver.registry)

    def for_home(self, registry: Registry, templates: TemplateRecognizer) -> LlmRecognizer:
        """A recogniser for a changed home (new config) that keeps this one's loaded model."""
        return recognizer_for_home(self.settings, self.decoder.llama, registry, templates, self.adapter)

    @property
    def grammar(self) -> str:
        """The answer language as GBNF, for llama.cpp's own grammar sampler."""
        return to_gbnf(self.language)

    def recognize(self, text: str) -> Intent | None:
        answer = self.answer(text)
        if answer is None or answer.intent is None:
            return None
        if answer.confidence < self.settings.confidence:
            _LOGGER.info("llm: %r -> %r at %.2f, below the %.2f threshold", text, answer.line, answer.confidence, self.settings.confidence)
            return None
        return answer.intent

    def answer(self, text: str) -> Answer | None:
        """The model's line for ``text`` with its meaning and confidence; None for unusable input.

        An answer on other devices than the command names (grounding.py) is not taken; the model
        is asked once more, allowed to start its line only with the targets named (or ``none``).
        An answer with another temperature than the number the command says is not taken either.
        """
        command = " ".join(text.split())
        if not command or len(command) > MAX_COMMAND_CHARS:
            return None
        started = time.perf_counter()
        decoded: Decoded | None = self.decoder.decode(Prompt.command(command))
        if decoded is None:
            return None
        intent = self._meaning(decoded, text)
        decisions, forced = decoded.decisions, decoded.forced
        overruled = self._overruled(command, intent)
        if overruled is not None:
            _LOGGER.info("llm: %r -> %r not taken: %s; asking again among the targets named", text, decoded.line, overruled)
            overruled = f"{decoded.line}: {overruled}"
            again = self.decoder.decode(Prompt.command(command), starts=self._named_starts(command))
            intent = None
            if again is not None:
                decoded, intent = again, self._meaning(again, text)
                decisions, forced = decisions + again.decisions, forced + again.forced
                if self._overruled(command, intent) is not None:  # a named word that is the start of another
                    intent = None
        unsaid = self.grounding.unsaid_number(command, intent.slots) if intent is not None else None
        if unsaid is not None:
            _LOGGER.info("llm: %r -> %r not taken: %s", text, decoded.line, unsaid)
            overruled, intent = f"{decoded.line}: {unsaid}", None
        seconds = time.perf_counter() - started
        _LOGGER.debug(
            "llm: %r -> %r p=%.3f in %.0f ms (%d model calls, %d forced tokens)",
            text,
            decoded.line,
            decoded.confidence,
            seconds * 1000,
            decisions,
            forced,
        )
        return Answer(command, decoded.line, intent, decoded.confidence, seconds, decisions, forced, overruled)

    def _meaning(self, decoded: Decoded, text: str) -> Intent | None:
        try:
            return self.language.parse(decoded.line, text=text, confidence=decoded.confidence)
        except LineError:  # cannot happen with the trie; kept so a broken model can't act
            _LOGGER.exception("llm produced a line outside the grammar: %r", decoded.line)
            return None

    def _overruled(self, command: str, intent: Intent | None) -> str | None:
        if intent is None:
            return None
        resolution = self.language.resolver.resolve(intent)
        return self.grounding.check(command, getattr(resolution, "devices", ()))

    def _named_starts(self, command: str) -> list[list[int]]:
        """Token sequences of ``none`` and of the targets acting only on what ``command`` names."""
        devices, areas = self.grounding.named(command)
        named = {device.id for device in devices}

        def inside(target: Target) -> bool:
            if named:
                return {device.id for device in target.devices} <= named
            return all(device.area in areas for device in target.devices)

        words = [NONE_WORD, *(target.word for target in self.language.targets if target.devices and inside(target))]
        return [self.decoder.tokenize(" " + word) for word in words]


def build_llm_recognizer(
    config: Config, registry: Registry, templates: TemplateRecognizer, reuse: Any = None
) -> LlmRecognizer | None:
    """The language model recogniser for this home, loaded and ready (prefix evaluated); None if disabled.

    ``reuse``: a recogniser built before (the config is being reloaded); when the new settings load
    the same model the same way, its model is kept and only the grammar and prompt are rebuilt
    (no second copy of the model in memory while the new config is prepared).
    Raises ModelError when the model file is missing, corrupt or llama-cpp-python is absent.
    """
    settings = parse_llm_settings(config)
    if not settings.enabled:
        return None
    if isinstance(reuse, LlmRecognizer) and reuse.settings.loads_like(settings):
        return recognizer_for_home(settings, reuse.decoder.llama, registry, templates, reuse.adapter)
    return create_recognizer(settings, registry, templates)


def create_recognizer(settings: LlmSettings, registry: Registry, templates: TemplateRecognizer) -> LlmRecognizer:
    """Load the model (ModelError if it cannot be) and build the grammar and prompt for this home."""
    model = resolve_model_path(settings.model, settings.model_cache_dir, compact=settings.compact)
    from ..adapters import adapter_for, load_llama_with_adapter

    # The shipped adapter (trained by `assistant train` on synthetic homes) is used with the
    # bundled model unless llm.lora names another; a bad adapter warns and the base model is used.
    adapter = adapter_for(settings.lora, settings.model)
    loaded = load_llama_with_adapter(model, threads=settings.threads, context=settings.context, batch=settings.batch, lora=adapter)
    return recognizer_for_home(settings, loaded.llama, registry, templates, loaded.adapter)


def recognizer_for_home(
    settings: LlmSettings, llama: Any, registry: Registry, templates: TemplateRecognizer, adapter: Path | None = None
) -> LlmRecognizer:
    """Grammar, prompt and prefix cache for this home on an already loaded model (with ``adapter`` applied).

    When the config changes (devices, areas, intents), call this again with the new registry and
    templates and the loaded model: only the grammar and the prompt prefix are rebuilt.
    """
    started = time.perf_counter()
    examples = prompt_examples(settings, adapter)
    settings = replace(settings, examples=examples)
    language = build_language(registry, templates.intents, templates.slot_lists)
    prompt = build_prompt(language, templates, examples, settings.seed)
    trie: TokenTrie = compile_trie(language, lambda text: list(llama.tokenize(text.encode("utf-8"), add_bos=False)))
    decoder = ConstrainedDecoder(
        llama,
        prompt.prefix,
        trie,
        calibrate=CALIBRATED_DECISIONS if settings.calibrate else 0,
        command=Prompt.command,
        none_word=NONE_WORD,
        cache=CalibrationCache(settings.model_cache_dir),
    )
    decoder.prepare(threads=settings.threads_for_prompt)
    _LOGGER.info(
        "llm ready: %s, %d targets, %d prompt tokens, %.1f s",
        Path(llama.model_path).name,
        len(language.targets),
        len(decoder.prefix_tokens),
        time.perf_counter() - started,
    )
    return LlmRecognizer(settings, language, prompt, decoder, adapter)


def prompt_examples(settings: LlmSettings, adapter: Path | None) -> int:
    """Example commands per intent in the prompt: as configured, else as the adapter was trained, else the default.

    An adapter learns the prompt it is trained on: the shipped one was trained without examples and
    is 1.6 points better on the dev set without them (85.3% against 83.7%); the base model needs them.
    """
    if settings.examples is not None:
        return settings.examples
    from ..adapters import trained_examples

    trained = trained_examples(adapter) if adapter is not None else None
    return DEFAULT_EXAMPLES if trained is None else trained
