"""The config file, validated into typed settings.

Every problem is reported as ``FILE:LINE: KEY: what is wrong (what was expected)``, all of them
in one pass. Sections owned by other stages (``audio``, ``stt``, ``tts``, ``llm`` ...) are parsed
by those stages' own settings classes, called from here so that ``check-config`` sees them too.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TypeVar

from .devices.model import Area, Capability, Device, DeviceType
from .devices.protocol import ProtocolDefaults
from .devices.protocols import PROTOCOLS
from .errors import ConfigError, ConfigErrors
from .yamlsource import Field, load_yaml

DEFAULT_CONFIG_PATHS = (Path("config/assistant.yaml"), Path("/etc/assistant/config.yaml"))
CONFIG_ENV = "ASSISTANT_CONFIG"

_ID = re.compile(r"^[a-z0-9_]+$")

T = TypeVar("T")


@dataclass(frozen=True)
class Site:
    name: str = "assistant"
    area: str | None = None
    """The area the assistant stands in: commands without an area mean this one."""


@dataclass(frozen=True)
class TlsSettings:
    ca_certs: Path | None = None
    certfile: Path | None = None
    keyfile: Path | None = None
    insecure: bool = False


@dataclass(frozen=True)
class MqttSettings:
    host: str = "localhost"
    port: int = 1883
    username: str | None = None
    password: str | None = None
    tls: TlsSettings | None = None
    client_id: str | None = None
    topic_prefix: str = "assistant"
    command_timeout: float = 3.0
    """Seconds within which the broker must acknowledge a command, or it is dropped."""
    keepalive: int = 30
    reconnect_min_delay: float = 0.5
    reconnect_max_delay: float = 30.0
    zigbee2mqtt_base: str = "zigbee2mqtt"

    @property
    def status_topic(self) -> str:
        return f"{self.topic_prefix}/status"


@dataclass(frozen=True)
class Config:
    source: Path
    site: Site
    mqtt: MqttSettings
    areas: tuple[Area, ...]
    devices: tuple[Device, ...]
    intent_paths: tuple[Path, ...]
    sections: dict[str, Field] = field(default_factory=dict, compare=False)
    """Raw fields of the sections other stages parse (audio, stt, tts, llm, ...)."""

    @property
    def base_dir(self) -> Path:
        return self.source.parent


TOP_LEVEL_KEYS = (
    "site",
    "mqtt",
    "intents",
    "areas",
    "devices",
    "audio",
    "wake",
    "vad",
    "stt",
    "tts",
    "llm",
    "dialogue",
    "daemon",
)


def find_config_path(explicit: str | Path | None = None) -> Path:
    """``--config``, else ``$ASSISTANT_CONFIG``, else ``config/assistant.yaml``, else /etc."""
    if explicit:
        return Path(explicit)
    from_env = os.environ.get(CONFIG_ENV)
    if from_env:
        return Path(from_env)
    for candidate in DEFAULT_CONFIG_PATHS:
        if candidate.exists():
            return candidate
    return embedded_config_path()


def embedded_config_path() -> Path:
    """The example home of this checkout (the demo's embedded default), wherever we run from."""
    return Path(__file__).resolve().parent.parent / "config" / "assistant.yaml"


class _Collector:
    """Gathers errors so one run reports every problem, not just the first."""

    def __init__(self) -> None:
        self.errors: list[ConfigError] = []

    def attempt(self, parse: Callable[[], T], fallback: T) -> T:
        try:
            return parse()
        except ConfigErrors as err:
            self.errors.extend(err.errors)
        except ConfigError as err:
            self.errors.append(err)
        return fallback


def load_config(path: str | Path | None = None) -> Config:
    """Read and validate a config file; raises ConfigErrors listing every problem."""
    source = find_config_path(path)
    try:
        root = Field.root(source, load_yaml(source))
    except ConfigError as err:
        raise ConfigErrors([err]) from err
    if root.value is None:
        raise ConfigErrors([root.error("the file is empty (expected a mapping with devices:)")])
    from . import settings_sections  # noqa: F401 - registers every stage's settings parser

    collect = _Collector()
    collect.attempt(lambda: root.check_keys(TOP_LEVEL_KEYS), None)

    site = collect.attempt(lambda: _parse_site(root.get("site")), Site())
    mqtt = collect.attempt(lambda: _parse_mqtt(root.get("mqtt"), source.parent), MqttSettings())
    no_areas: tuple[Area, ...] = ()
    no_devices: tuple[Device, ...] = ()
    no_paths: tuple[Path, ...] = ()
    areas = collect.attempt(lambda: _parse_areas(root.get("areas")), no_areas)
    area_ids = {area.id for area in areas}
    defaults = ProtocolDefaults(zigbee2mqtt_base=mqtt.zigbee2mqtt_base)
    devices = collect.attempt(
        lambda: _parse_devices(root.get("devices"), area_ids, defaults), no_devices
    )
    intent_paths = collect.attempt(
        lambda: _parse_intent_paths(root.get("intents"), source.parent), no_paths
    )
    if site.area is not None and areas and site.area not in area_ids:
        collect.errors.append(
            root.get("site").get("area").error(
                f"unknown area {site.area!r} (expected one of: {', '.join(sorted(area_ids))})"
            )
        )
    sections = {key: root.get(key) for key in TOP_LEVEL_KEYS if key in root.mapping()}
    config = Config(source, site, mqtt, areas, devices, intent_paths, sections)
    for parse_section in _SECTION_PARSERS:
        collect.attempt(partial(parse_section, config), None)
    if collect.errors:
        raise ConfigErrors(collect.errors)
    return config


_SECTION_PARSERS: list[Callable[[Config], object]] = []


def section_parser(parse: Callable[[Config], T]) -> Callable[[Config], T]:
    """Register a stage's settings parser so that load_config (and check-config) runs it."""
    _SECTION_PARSERS.append(parse)
    return parse


def _parse_site(field: Field) -> Site:
    field.check_keys(("name", "area"))
    return Site(name=field.get("name").text("assistant"), area=field.get("area").optional_text())


def _parse_mqtt(field: Field, base: Path) -> MqttSettings:
    field.check_keys(
        (
            "host",
            "port",
            "username",
            "password",
            "password_file",
            "tls",
            "client_id",
            "topic_prefix",
            "command_timeout",
            "keepalive",
            "reconnect_min_delay",
            "reconnect_max_delay",
            "zigbee2mqtt_base",
        )
    )
    password = field.get("password").optional_text()
    password_file = field.get("password_file").path(base)
    if password_file is not None:
        try:
            password = password_file.read_text(encoding="utf-8").strip()
        except OSError as err:
            raise field.get("password_file").error(f"cannot read {password_file}: {err}") from err
    tls_field = field.get("tls")
    tls: TlsSettings | None = None
    if tls_field.value is True:
        tls = TlsSettings()
    elif tls_field.value not in (None, False):
        tls_field.check_keys(("ca_certs", "certfile", "keyfile", "insecure"))
        tls = TlsSettings(
            ca_certs=tls_field.get("ca_certs").path(base),
            certfile=tls_field.get("certfile").path(base),
            keyfile=tls_field.get("keyfile").path(base),
            insecure=tls_field.get("insecure").boolean(False),
        )
    prefix = field.get("topic_prefix").text("assistant").strip("/")
    if any(char in prefix for char in "#+"):
        raise field.get("topic_prefix").error("MQTT wildcards # and + are not allowed in a topic prefix")
    return MqttSettings(
        host=field.get("host").text("localhost"),
        port=field.get("port").integer(1883, minimum=1, maximum=65535),
        username=field.get("username").optional_text(),
        password=password,
        tls=tls,
        client_id=field.get("client_id").optional_text(),
        topic_prefix=prefix,
        command_timeout=field.get("command_timeout").number(3.0, minimum=0.1, maximum=60),
        keepalive=field.get("keepalive").integer(30, minimum=5, maximum=3600),
        reconnect_min_delay=field.get("reconnect_min_delay").number(0.5, minimum=0.05),
        reconnect_max_delay=field.get("reconnect_max_delay").number(30.0, minimum=0.1),
        zigbee2mqtt_base=field.get("zigbee2mqtt_base").text("zigbee2mqtt").strip("/"),
    )


def _check_id(field: Field) -> str:
    value = field.text()
    if not _ID.match(value):
        raise field.error(f"invalid id {value!r} (expected lower-case letters, digits and _)")
    return value


def _spoken(field: Field) -> str:
    return " ".join(field.text().lower().split())


def _parse_areas(field: Field) -> tuple[Area, ...]:
    areas: list[Area] = []
    errors: list[ConfigError] = []
    seen: set[str] = set()
    for item in field.items():
        try:
            item.check_keys(("id", "name", "aliases"))
            area_id = _check_id(item.get("id"))
            if area_id in seen:
                raise item.get("id").error(f"duplicate area id {area_id!r}")
            seen.add(area_id)
            name = _spoken(item.get("name")) if not item.get("name").is_missing else area_id.replace("_", " ")
            aliases = tuple(" ".join(alias.lower().split()) for alias in item.get("aliases").text_list())
            areas.append(Area(area_id, name, aliases))
        except ConfigError as err:
            errors.append(err)
    if errors:
        raise ConfigErrors(errors)
    return tuple(areas)


_DEVICE_KEYS = (
    "id",
    "name",
    "aliases",
    "area",
    "type",
    "capabilities",
    "protocol",
    "confirm",
    "min_temperature",
    "max_temperature",
)


def _parse_devices(
    field: Field, area_ids: set[str], defaults: ProtocolDefaults
) -> tuple[Device, ...]:
    if field.is_missing:
        raise field.error("required key is missing (expected a list of devices)")
    devices: list[Device] = []
    errors: list[ConfigError] = []
    seen: set[str] = set()
    for item in field.items():
        try:
            device = _parse_device(item, area_ids, defaults)
            if device.id in seen:
                raise item.get("id").error(f"duplicate device id {device.id!r}")
            seen.add(device.id)
            devices.append(device)
        except ConfigError as err:
            errors.append(err)
    if errors:
        raise ConfigErrors(errors)
    return tuple(devices)


def _parse_device(item: Field, area_ids: set[str], defaults: ProtocolDefaults) -> Device:
    item.mapping(allow_missing=False)
    protocol_name = item.get("protocol").choice(list(PROTOCOLS), what="protocol")
    protocol = PROTOCOLS[protocol_name]
    item.check_keys(_DEVICE_KEYS + protocol.endpoint_keys)
    device_id = _check_id(item.get("id"))
    name = _spoken(item.get("name"))
    area = item.get("area").optional_text()
    if area is not None and area not in area_ids:
        expected = ", ".join(sorted(area_ids)) or "none defined under areas:"
        raise item.get("area").error(f"unknown area {area!r} (expected one of: {expected})")
    device_type = DeviceType(
        item.get("type").choice([kind.value for kind in DeviceType], what="device type")
    )
    capabilities: set[Capability] = set()
    for cap in item.get("capabilities").items():
        capabilities.add(
            Capability(cap.choice([c.value for c in Capability], what="capability"))
        )
    endpoint = protocol.parse_endpoint(item, device_id, defaults)
    min_temperature = item.get("min_temperature").number(5.0)
    max_temperature = item.get("max_temperature").number(30.0)
    if min_temperature >= max_temperature:
        raise item.get("max_temperature").error(
            f"must be above min_temperature ({min_temperature})"
        )
    return Device(
        id=device_id,
        name=name,
        area=area,
        type=device_type,
        protocol=protocol_name,
        endpoint=endpoint,
        aliases=tuple(" ".join(alias.lower().split()) for alias in item.get("aliases").text_list()),
        capabilities=frozenset(capabilities),
        confirm=item.get("confirm").boolean(False),
        min_temperature=min_temperature,
        max_temperature=max_temperature,
    )


def _parse_intent_paths(field: Field, base: Path) -> tuple[Path, ...]:
    if field.is_missing:
        return (base.parent / "intents",) if (base.parent / "intents").is_dir() else ()
    field.check_keys(("paths", "fuzzy"))  # fuzzy: parsed in nlu/fuzzy.py
    paths: list[Path] = []
    for item in field.get("paths").items():
        path = item.path(base)
        assert path is not None
        if not path.exists():
            raise item.error(f"no such file or folder: {path}")
        paths.append(path)
    return tuple(paths)
