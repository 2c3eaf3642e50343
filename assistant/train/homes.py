"""Synthetic homes: many different houses, so the adapter learns to read the target list in the prompt.

Each home is written as an ordinary config file (areas, devices, the user's intents paths) and
loaded with the real ``load_config``, so a synthetic home is exactly what a user could have
written. Names, areas, aliases and capabilities are drawn from wide pools. Ids are sometimes
unrelated to the spoken name (``plug_3`` called "kettle"), as in real configs; the model never
sees them (its answer words come from the names), but the rest of the chain must not care.

    homes = [synthetic_home(random.Random(seed + i), intents_paths, folder) for i in range(20)]
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..config import Config, load_config
from ..nlu.llm.language import OutputLanguage, build_language
from ..nlu.templates import TemplateRecognizer, load_intents
from ..registry import Registry
from ..resolver import BUILTIN_INTENTS

AREA_POOL: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("kitchen", ()),
    ("living room", ("lounge",)),
    ("bedroom", ()),
    ("master bedroom", ("main bedroom",)),
    ("guest room", ("spare room",)),
    ("kids room", ("children's room",)),
    ("nursery", ()),
    ("bathroom", ("bath",)),
    ("hallway", ("hall",)),
    ("garage", ()),
    ("entrance", ("porch",)),
    ("office", ("study",)),
    ("dining room", ()),
    ("basement", ("cellar",)),
    ("attic", ("loft",)),
    ("laundry room", ("utility room",)),
    ("garden", ("yard",)),
    ("patio", ("terrace",)),
    ("conservatory", ()),
    ("playroom", ()),
    ("den", ()),
    ("workshop", ()),
    ("balcony", ()),
    ("landing", ()),
    ("gym", ()),
    ("library", ()),
    ("porch", ()),
    ("shed", ()),
    ("toilet", ("wc",)),
    ("family room", ()),
)

# (name pattern, extra aliases); "{area}" is replaced by the area's name.
LIGHT_NAMES = (
    "{area} light", "{area} lights", "{area} lamp", "ceiling light", "desk lamp", "floor lamp",
    "reading lamp", "bedside lamp", "pendant light", "spotlights", "led strip", "strip light",
    "chandelier", "wall light", "night light", "table lamp", "uplighter", "downlights",
    "mirror light", "cabinet lights", "porch light", "fairy lights", "standing lamp",
)
SWITCH_NAMES = (
    "{area} plug", "desk plug", "kettle", "tv plug", "printer", "dehumidifier", "christmas lights",
    "fountain", "aquarium pump", "radio", "monitor", "smart plug", "heated towel rail",
    "electric blanket", "sound system", "extension lead", "water heater", "humidifier",
    "air purifier", "dishwasher", "speaker", "toaster", "iron", "sprinkler",
)
FAN_NAMES = ("{area} fan", "ceiling fan", "desk fan", "tower fan", "extractor fan", "pedestal fan", "box fan")
COVER_NAMES = (
    "{area} blinds", "blinds", "curtains", "shutters", "roller blind", "garage door", "skylight",
    "awning", "gate", "blackout blind", "venetian blinds", "sunshade", "shades",
)
LOCK_NAMES = ("front door", "back door", "side door", "patio door", "shed lock", "garage lock", "gate lock", "{area} door")
CLIMATE_NAMES = ("thermostat", "radiator", "heater", "heat pump", "air conditioner", "{area} thermostat", "underfloor heating")
SENSOR_NAMES = ("{area} sensor", "temperature sensor", "climate sensor", "weather station", "{area} thermometer")
COFFEE_NAMES = ("coffee machine", "espresso machine", "coffee maker", "bean to cup", "barista")

TYPE_POOLS: dict[str, tuple[str, ...]] = {
    "light": LIGHT_NAMES,
    "switch": SWITCH_NAMES,
    "fan": FAN_NAMES,
    "cover": COVER_NAMES,
    "lock": LOCK_NAMES,
    "climate": CLIMATE_NAMES,
    "sensor": SENSOR_NAMES,
}
TYPE_WEIGHTS = {"light": 9, "switch": 4, "fan": 2, "cover": 3, "lock": 1.5, "climate": 1, "sensor": 1.5}
CUSTOM_DEVICE_NAMES: dict[str, tuple[str, ...]] = {"MakeCoffee": COFFEE_NAMES}
"""Names for devices carrying a user-defined intent; others borrow the names the user's own config gives them."""


@dataclass(frozen=True)
class Home:
    """One home, loaded as the assistant would load it, with its answer language."""

    config: Config
    registry: Registry
    templates: TemplateRecognizer
    language: OutputLanguage
    synthetic: bool

    @classmethod
    def load(cls, path: Path, synthetic: bool) -> Home:
        config = load_config(path)
        registry = Registry.from_config(config)
        templates = TemplateRecognizer(load_intents(config.intent_paths), registry)
        language = build_language(registry, templates.intents, templates.slot_lists)
        return cls(config, registry, templates, language, synthetic)


def _snake(text: str) -> str:
    return "_".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def home_document(rng: random.Random, intent_paths: tuple[Path, ...], custom_intents: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    """A random home as a config mapping (areas, devices, intents) that ``load_config`` accepts."""
    area_count = rng.randint(2, 8)
    chosen = rng.sample(AREA_POOL, area_count)
    areas = []
    for name, aliases in chosen:
        entry: dict[str, Any] = {"id": _snake(name), "name": name}
        if aliases and rng.random() < 0.6:
            entry["aliases"] = list(aliases)
        areas.append(entry)
    devices: list[dict[str, Any]] = []
    used_ids: set[str] = set()
    used_names: set[str] = set()
    device_count = rng.randint(max(3, area_count), min(18, 3 * area_count + 4))
    kinds = list(TYPE_WEIGHTS)
    weights = [TYPE_WEIGHTS[k] for k in kinds]
    for _ in range(device_count * 3):
        if len(devices) >= device_count:
            break
        kind = rng.choices(kinds, weights)[0]
        area = rng.choice(areas)
        device = _device(rng, kind, area, used_ids, used_names, len(devices))
        if device is not None:
            devices.append(device)
    for intent_name, names in custom_intents.items():
        if rng.random() < 0.55:
            area = rng.choice(areas)
            device = _device(rng, "switch", area, used_ids, used_names, len(devices), names=names)
            if device is not None:
                device["protocol"] = "custom"
                device["commands"] = {
                    "turn_on": {"topic": f"home/{device['id']}/power", "payload": "ON"},
                    "turn_off": {"topic": f"home/{device['id']}/power", "payload": "OFF"},
                    intent_name: {"topic": f"home/{device['id']}/{_snake(intent_name)}", "payload": "{}"},
                }
                devices.append(device)
    site_area = rng.choice(areas)["id"]
    return {
        "site": {"name": "synthetic", "area": site_area},
        "intents": {"paths": [str(path.resolve()) for path in intent_paths]},
        "areas": areas,
        "devices": devices,
        "llm": {"enabled": True},
    }


def _device(
    rng: random.Random,
    kind: str,
    area: dict[str, Any],
    used_ids: set[str],
    used_names: set[str],
    index: int,
    names: tuple[str, ...] | None = None,
) -> dict[str, Any] | None:
    pattern = rng.choice(names or TYPE_POOLS[kind])
    name = pattern.replace("{area}", area["name"])
    if name in used_names:
        name = f"{area['name']} {name}" if not name.startswith(area["name"]) else name
        if name in used_names:
            return None
    used_names.add(name)
    roll = rng.random()
    if roll < 0.7:
        device_id = _snake(name)
    elif roll < 0.85:
        device_id = f"{_snake(area['name'])}_{kind}_{index}"
    else:
        device_id = f"{kind}_{index}"
    while device_id in used_ids:
        device_id = f"{device_id}_{index}"
    used_ids.add(device_id)
    device: dict[str, Any] = {"id": device_id, "name": name, "area": area["id"], "type": kind, "protocol": "zigbee2mqtt"}
    if rng.random() < 0.3:
        pool = [p.replace("{area}", area["name"]) for p in (names or TYPE_POOLS[kind])]
        alias = rng.choice(pool)
        if alias != name and alias not in used_names:
            device["aliases"] = [alias]
    capabilities = []
    if kind == "light":
        if rng.random() < 0.7:
            capabilities.append("brightness")
        if rng.random() < 0.35:
            capabilities.append("color")
        if rng.random() < 0.4:
            capabilities.append("color_temp")
    elif kind == "cover" and rng.random() < 0.7:
        capabilities.append("position")
    elif kind == "climate":
        capabilities.append("target_temperature")
        low = rng.choice((5, 7, 10, 16))
        device["min_temperature"] = low
        device["max_temperature"] = rng.choice((25, 28, 30, 32))
    if capabilities:
        device["capabilities"] = capabilities
    if kind == "lock" or (kind == "cover" and "garage" in name) or rng.random() < 0.05:
        device["confirm"] = True
    return device


def custom_intent_names(home: Home) -> dict[str, tuple[str, ...]]:
    """User-defined intents of the intents files, with names for the devices that carry them."""
    found: dict[str, tuple[str, ...]] = {}
    for intent_name in home.templates.intents.intents:
        if intent_name in BUILTIN_INTENTS:
            continue
        own = tuple(
            name for device in home.registry.custom_devices_for(intent_name) for name in device.spoken_names
        )
        names = CUSTOM_DEVICE_NAMES.get(intent_name, ()) or own
        if names:
            found[intent_name] = names
    return found


def write_home(document: dict[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def synthetic_homes(count: int, seed: int, reference: Home, folder: Path) -> Iterator[Home]:
    """``count`` random homes using the reference home's intents files, one at a time (a loaded home
    holds about half a megabyte: let each go once its commands are drawn); the same seed gives the
    same homes."""
    custom = custom_intent_names(reference)
    for index in range(count):
        rng = random.Random(f"home-{seed}-{index}")
        document = home_document(rng, reference.config.intent_paths, custom)
        path = write_home(document, folder / f"home_{index:04d}.yaml")
        yield Home.load(path, synthetic=True)
