"""Builds the assistant with every recogniser the config enables (templates, then the model)."""

from __future__ import annotations

import logging
import threading

from ..config import Config
from ..mqtt import MqttLink
from ..nlu.intent import Intent, IntentRecognizer
from ..nlu.templates import TemplateRecognizer, load_intents
from ..pipeline import Assistant
from ..registry import Registry

_LOGGER = logging.getLogger(__name__)


class LazyModelRecognizer:
    """The language model, loaded the first time a command needs it.

    ``assistant text`` answers template commands in milliseconds without paying the model's
    start-up (seconds); the daemon calls ``load()`` at start-up so its first command is fast too.
    """

    name = "llm"

    def __init__(
        self, config: Config, registry: Registry, templates: TemplateRecognizer, previous: LazyModelRecognizer | None = None
    ) -> None:
        self.config = config
        self.registry = registry
        self.templates = templates
        self.previous = previous
        """The recogniser this one replaces (config reload): its loaded model is reused if it fits."""
        self._recognizer: IntentRecognizer | None = None
        self._loaded = False
        self._lock = threading.Lock()

    def load(self) -> IntentRecognizer | None:
        """Load now (ModelError if the model cannot be); None when the config disables it."""
        with self._lock:
            if not self._loaded:
                from ..nlu.llm.recognizer import build_llm_recognizer

                reused = self.previous.loaded() if self.previous is not None else None
                self._recognizer = build_llm_recognizer(self.config, self.registry, self.templates, reuse=reused)
                self._loaded = True
                self.previous = None
            return self._recognizer

    def loaded(self) -> IntentRecognizer | None:
        """The recogniser if it has been loaded (without loading it)."""
        with self._lock:
            return self._recognizer

    def recognize(self, text: str) -> Intent | None:
        recognizer = self.load()
        return recognizer.recognize(text) if recognizer is not None else None


def language_model_of(assistant: Assistant) -> LazyModelRecognizer | None:
    """The assistant's language model recogniser (loaded or not), None when the config has none."""
    return next((r for r in assistant.chain.recognizers if isinstance(r, LazyModelRecognizer)), None)


def llm_enabled(config: Config) -> bool:
    from ..nlu.llm.settings import parse_llm_settings

    return parse_llm_settings(config).enabled


def build_assistant(
    config: Config, link: MqttLink | None, *, load_model_now: bool = False, previous: Assistant | None = None
) -> Assistant:
    """The assistant for ``config``; with ``previous`` (a reload), its loaded language model is
    kept when the new config loads the same model the same way (only the prompt is rebuilt)."""
    registry = Registry.from_config(config)
    templates = TemplateRecognizer(load_intents(config.intent_paths), registry)
    extra: tuple[IntentRecognizer, ...] = ()
    if llm_enabled(config):
        old = language_model_of(previous) if previous is not None else None
        model = LazyModelRecognizer(config, registry, templates, previous=old)
        if load_model_now:
            model.load()
        extra = (model,)
    return Assistant(config, link, registry=registry, templates=templates, extra_recognizers=extra)
