"""The ``dialogue:`` config section."""

from __future__ import annotations

from dataclasses import dataclass

from .config import Config, section_parser


@dataclass(frozen=True)
class DialogueSettings:
    window: float = 8.0
    """Seconds a question ("which one?", "are you sure?") waits for its answer, no wake word needed."""


@section_parser
def dialogue_settings(config: Config) -> DialogueSettings:
    field = config.sections.get("dialogue")
    if field is None or field.is_missing:
        return DialogueSettings()
    field.check_keys(("window",))
    return DialogueSettings(window=field.get("window").number(8.0, minimum=1.0, maximum=120.0))
