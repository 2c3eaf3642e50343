"""YAML with line numbers, and a typed reader that names file, line and key in every error.

``load_yaml`` returns plain dicts and lists that remember where each key and item stood.
``Field`` walks them: ``field.get("port").integer(minimum=1)`` either returns a value or
raises ``ConfigError("config/assistant.yaml:7: mqtt.port: expected a whole number ...")``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError


class LocatedDict(dict[Any, Any]):
    """A mapping that knows its own line and the line of each of its keys."""

    line: int = 0
    key_lines: dict[Any, int]


class LocatedList(list[Any]):
    """A sequence that knows its own line and the line of each item."""

    line: int = 0
    item_lines: list[int]


class _LocatingLoader(yaml.SafeLoader):
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Any:  # type: ignore[override]
        mapping = LocatedDict(super().construct_mapping(node, deep=True))
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)  # type: ignore[no-untyped-call]
            mapping.key_lines[key] = key_node.start_mark.line + 1
        return mapping

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> Any:  # type: ignore[override]
        sequence = LocatedList(super().construct_sequence(node, deep=True))
        sequence.line = node.start_mark.line + 1
        sequence.item_lines = [item.start_mark.line + 1 for item in node.value]
        return sequence


_LocatingLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LocatingLoader.construct_mapping
)
_LocatingLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _LocatingLoader.construct_sequence
)


def load_yaml(path: Path) -> Any:
    """Parse one YAML file; a syntax error becomes a ConfigError with its line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise ConfigError(path, None, "", "file not found") from err
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(path, None, "", f"cannot read file: {err}") from err
    try:
        return yaml.load(text, Loader=_LocatingLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else None
        raise ConfigError(path, line, "", f"invalid YAML: {err.problem or err}") from err
    except yaml.YAMLError as err:
        raise ConfigError(path, None, "", f"invalid YAML: {err}") from err


_TYPE_NAMES = {
    dict: "a mapping",
    list: "a list",
    str: "text",
    int: "a whole number",
    float: "a number",
    bool: "true or false",
}


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{str(value).lower()!r}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


@dataclass(frozen=True)
class Field:
    """One value in a YAML file with its location, and typed accessors that explain failures."""

    source: Path
    key: str
    line: int | None
    value: Any

    @classmethod
    def root(cls, source: Path, value: Any) -> Field:
        line = getattr(value, "line", 1)
        return cls(source, "", line, value)

    def error(self, message: str) -> ConfigError:
        return ConfigError(self.source, self.line, self.key, message)

    # --- structure -------------------------------------------------------------------

    @property
    def is_missing(self) -> bool:
        return self.value is None

    def _child_key(self, name: str | int) -> str:
        if isinstance(name, int):
            return f"{self.key}[{name}]"
        return f"{self.key}.{name}" if self.key else str(name)

    def get(self, name: str) -> Field:
        """The field under ``name``; a missing key gives a field whose value is None."""
        mapping = self.mapping()
        value = mapping.get(name)
        line = getattr(mapping, "key_lines", {}).get(name, self.line)
        return Field(self.source, self._child_key(name), line, value)

    def mapping(self, *, allow_missing: bool = True) -> dict[Any, Any]:
        if self.value is None and allow_missing:
            return {}
        if not isinstance(self.value, dict):
            raise self.error(f"expected a mapping of keys to values, got {_describe(self.value)}")
        return self.value

    def keys(self) -> list[str]:
        return [str(key) for key in self.mapping()]

    def check_keys(self, allowed: Sequence[str]) -> None:
        """Reject keys this section does not know, naming the ones it does."""
        for key in self.mapping():
            if key not in allowed:
                raise self.get(key).error(
                    f"unknown key (expected one of: {', '.join(allowed)})"
                )

    def items(self) -> Iterator[Field]:
        """The items of a list, each with its own index and line."""
        if self.value is None:
            return
        if not isinstance(self.value, list):
            raise self.error(f"expected a list, got {_describe(self.value)}")
        lines = getattr(self.value, "item_lines", [])
        for index, item in enumerate(self.value):
            line = lines[index] if index < len(lines) else self.line
            yield Field(self.source, self._child_key(index), line, item)

    def entries(self) -> Iterator[tuple[str, Field]]:
        """The (key, field) pairs of a mapping."""
        for key in self.mapping():
            yield str(key), self.get(key)

    # --- scalars ---------------------------------------------------------------------

    def required(self) -> Field:
        if self.value is None:
            raise self.error("required key is missing")
        return self

    def text(self, default: str | None = None) -> str:
        if self.value is None:
            if default is None:
                raise self.error("required key is missing (expected text)")
            return default
        if isinstance(self.value, bool) or not isinstance(self.value, (str, int, float)):
            raise self.error(f"expected text, got {_describe(self.value)}")
        text = str(self.value).strip()
        if not text:
            raise self.error("expected text, got an empty string")
        return text

    def optional_text(self) -> str | None:
        return None if self.value is None else self.text()

    def integer(
        self, default: int | None = None, *, minimum: int | None = None, maximum: int | None = None
    ) -> int:
        if self.value is None:
            if default is None:
                raise self.error("required key is missing (expected a whole number)")
            return default
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            raise self.error(f"expected a whole number, got {_describe(self.value)}")
        self._check_range(self.value, minimum, maximum)
        return self.value

    def number(
        self,
        default: float | None = None,
        *,
        minimum: float | None = None,
        maximum: float | None = None,
    ) -> float:
        if self.value is None:
            if default is None:
                raise self.error("required key is missing (expected a number)")
            return default
        if isinstance(self.value, bool) or not isinstance(self.value, (int, float)):
            raise self.error(f"expected a number, got {_describe(self.value)}")
        self._check_range(self.value, minimum, maximum)
        return float(self.value)

    def _check_range(self, value: float, minimum: float | None, maximum: float | None) -> None:
        if minimum is not None and value < minimum:
            raise self.error(f"{value} is too small (expected at least {minimum})")
        if maximum is not None and value > maximum:
            raise self.error(f"{value} is too large (expected at most {maximum})")

    def boolean(self, default: bool | None = None) -> bool:
        if self.value is None:
            if default is None:
                raise self.error("required key is missing (expected true or false)")
            return default
        if not isinstance(self.value, bool):
            raise self.error(f"expected true or false, got {_describe(self.value)}")
        return self.value

    def choice(self, options: Sequence[str], default: str | None = None, *, what: str = "value") -> str:
        if self.value is None and default is not None:
            return default
        text = self.text()
        if text not in options:
            raise self.error(f"unknown {what} {text!r} (expected one of: {', '.join(options)})")
        return text

    def plain(self) -> Any:
        """The value as plain dicts, lists and scalars (without the line bookkeeping)."""
        if isinstance(self.value, dict):
            return {str(key): self.get(key).plain() for key in self.value}
        if isinstance(self.value, list):
            return [item.plain() for item in self.items()]
        return self.value

    def text_list(self) -> tuple[str, ...]:
        if self.value is None:
            return ()
        if isinstance(self.value, str):
            return (self.text(),)
        return tuple(item.text() for item in self.items())

    def path(self, base: Path, default: str | None = None) -> Path | None:
        """A file system path; relative paths are relative to ``base`` (the config's folder)."""
        text = self.text(default) if default is not None else self.optional_text()
        if text is None:
            return None
        candidate = Path(text).expanduser()
        return candidate if candidate.is_absolute() else base / candidate
