"""Errors a user can read: a code, a human message, and where the problem is."""

from __future__ import annotations

from pathlib import Path


class AssistantError(Exception):
    """Base of every error the assistant reports to a person instead of a traceback."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(AssistantError):
    """A problem in a config or intents file, located by file, line and key.

    Rendered as ``config/assistant.yaml:14: devices[2].protocol: unknown protocol 'zigbee' ...``.
    """

    code = "config"

    def __init__(self, source: Path | str, line: int | None, key: str, message: str) -> None:
        self.source = Path(source)
        self.line = line
        self.key = key
        location = f"{self.source}:{line}" if line else f"{self.source}"
        where = f"{location}: {key}: " if key else f"{location}: "
        super().__init__(where + message)


class ConfigErrors(AssistantError):
    """Every problem found in one pass over the config, so a user fixes them all at once."""

    code = "config"

    def __init__(self, errors: list[ConfigError]) -> None:
        self.errors = errors
        super().__init__("\n".join(error.message for error in errors))


class ModelError(AssistantError):
    """A model file is missing, corrupt or cannot be loaded."""

    code = "model"


class AudioError(AssistantError):
    """An audio device or audio file cannot be used."""

    code = "audio"
