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

    def __init__(self, config: Config, registry: Registry, templates: TemplateRecognizer) -> None:
        self.config = config
        self.registry = registry
        self.templates = templates
        self._recognizer: IntentRecognizer | None = None
        self._loaded = False
        self._lock = threading.Lock()

    def load(self) -> IntentRecognizer | None:
        """Load now (ModelError if the model cannot be); None when the config disables it."""
        with self._lock:
            if not self._loaded:
                from ..nlu.llm.recognizer import build_llm_recognizer

                self._recognizer = build_llm_recognizer(self.config, self.registry, self.templates)
                self._loaded = True
            return self._recognizer

    def recognize(self, text: str) -> Intent | None:
        recognizer = self.load()
        return recognizer.recognize(text) if recognizer is not None else None


def llm_enabled(config: Config) -> bool:
    from ..nlu.llm.settings import parse_llm_settings

    return parse_llm_settings(config).enabled


def build_assistant(config: Config, link: MqttLink | None, *, load_model_now: bool = False) -> Assistant:
    registry = Registry.from_config(config)
    templates = TemplateRecognizer(load_intents(config.intent_paths), registry)
    extra: tuple[IntentRecognizer, ...] = ()
    if llm_enabled(config):
        model = LazyModelRecognizer(config, registry, templates)
        if load_model_now:
            model.load()
        extra = (model,)
    return Assistant(config, link, registry=registry, templates=templates, extra_recognizers=extra)
