"""The small language model: understands what the templates don't, constrained to the home's real devices.

``build_llm_recognizer(config, registry, templates)`` gives the recogniser the intent chain puts
after the templates (None when ``llm.enabled`` is false). See recognizer.py for the flow and
language.py for the answer format the grammar allows.

Importing this package stays light (the config section registers without numpy or llama.cpp);
the model's modules load when a recogniser is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .settings import LlmSettings, parse_llm_settings

if TYPE_CHECKING:
    from ...config import Config
    from ...registry import Registry
    from ..templates import TemplateRecognizer
    from .recognizer import LlmRecognizer


def build_llm_recognizer(config: Config, registry: Registry, templates: TemplateRecognizer) -> LlmRecognizer | None:
    """The language model recogniser for this home, loaded and ready; None if ``llm.enabled`` is false.

    Raises ModelError when the model file is missing or corrupt, or llama-cpp-python is not installed.
    """
    from .recognizer import build_llm_recognizer as build

    return build(config, registry, templates)


__all__ = ["LlmSettings", "build_llm_recognizer", "parse_llm_settings"]
