"""Training examples for one home: a command as people say it, and the answer line it must get.

Every answer comes from the home's own answer language (``OutputLanguage.encode`` of the meaning,
or ``none``), so an example can never name a device the home does not have. Kinds:

- ``template``: a sentence of the home's intents templates (the format, the slot values);
- ``paraphrase``: the same meanings in words the templates do not know ("kill the fan");
- ``indirect``: a wish that implies an action ("it's too dark in the kitchen");
- ``none``: requests outside the home, devices the home lacks ("unlock the back door" where there
  is only a front door), actions a device cannot do;
- ``asr``: any of the above with speech-recognition errors ("turn of the kitchen lite", "the
  reading lamb").

Deterministic: the same home and seed give the same examples. It reads only the home (config,
registry, intents); it never reads a benchmark set.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..devices.model import Device, DeviceType
from ..nlu.intent import Intent
from ..nlu.llm.language import NONE_WORD, Target, ValueChoice, Verb
from ..nlu.llm.sentences import SentenceSampler
from ..registry import TYPE_WORDS
from ..stt.numbers import number_words
from . import phrasings as P
from .homes import TYPE_POOLS, Home
from .noise import asr_noise
from .sound_alikes import SoundAlikes, bundled_sound_alikes

GENERATOR_VERSION = "5"
"""Bumped whenever the examples a seed produces change."""

KIND_WEIGHTS = {"template": 0.15, "paraphrase": 0.4, "indirect": 0.2, "none": 0.25}
ASR_SHARE = 0.22


@dataclass(frozen=True)
class Example:
    text: str
    line: str
    kind: str


class ExampleGenerator:
    """Draws examples for one home; ``generate(n)`` gives ``n`` distinct commands (fewer for a tiny home)."""

    def __init__(self, home: Home, seed: int, alikes: SoundAlikes | None = None) -> None:
        self.home = home
        self.alikes = alikes if alikes is not None else bundled_sound_alikes()
        self.rng = random.Random(seed)
        self.sampler = SentenceSampler(home.templates.intents, home.templates.slot_lists, seed)
        self.language = home.language
        self.registry = home.registry
        self.offered: dict[str, list[tuple[Target, Verb]]] = {}
        for target in self.language.targets:
            for verb in target.verbs:
                self.offered.setdefault(verb.intent, []).append((target, verb))
        self.makers: dict[str, Callable[[], Example | None]] = {
            "template": self.template,
            "paraphrase": self.paraphrase,
            "indirect": self.indirect,
            "none": self.none,
        }

    # --- the mix ----------------------------------------------------------------------

    def generate(self, count: int) -> list[Example]:
        examples: dict[str, Example] = {}
        kinds = list(KIND_WEIGHTS)
        weights = [KIND_WEIGHTS[k] for k in kinds]
        for _ in range(count * 6):
            if len(examples) >= count:
                break
            kind = self.rng.choices(kinds, weights)[0]
            example = self.makers[kind]()
            if example is None:
                continue
            if self.rng.random() < ASR_SHARE:
                noisy = asr_noise(example.text, self.rng, strength=self.rng.choice((1, 1, 2, 3)), alikes=self.alikes)
                if noisy and noisy != example.text:
                    example = Example(noisy, example.line, "asr")
            examples.setdefault(example.text, example)
        return list(examples.values())

    def _line(self, name: str, slots: dict[str, Any]) -> str | None:
        line = self.language.encode(Intent(name, slots, "", source="llm"))
        return line or None

    def _polite(self, text: str) -> str:
        prefix = self.rng.choice(P.POLITE_PREFIXES)
        if prefix and not text.lower().startswith(P.NO_PREFIX_BEFORE):
            text = prefix + text
        text += self.rng.choice(P.POLITE_SUFFIXES)
        roll = self.rng.random()
        if roll < 0.25:
            text = text[:1].upper() + text[1:]
        if roll < 0.1:
            text += "."
        return " ".join(text.split())

    # --- templates --------------------------------------------------------------------

    def template(self) -> Example | None:
        if not self.offered:
            return None
        intent_name = self.rng.choice(sorted(self.offered))
        text = self.sampler.sample(intent_name)
        if not text:
            return None
        intent = self.home.templates.recognize(text)
        if intent is None:
            return None
        line = self.language.encode(intent)
        return Example(text, line, "template") if line else None

    # --- paraphrases --------------------------------------------------------------------

    def paraphrase(self) -> Example | None:
        if not self.offered:
            return None
        intent_name = self.rng.choice(sorted(self.offered))
        target, verb = self.rng.choice(self.offered[intent_name])
        values = self._values(verb)
        if intent_name == "MakeCoffee":
            return self._coffee(values)
        if intent_name == "QueryTemperature" and "area" in target.slots and "type" not in target.slots and self.rng.random() < 0.6:
            area = self._area_phrase(str(target.slots["area"]))
            line = self._line(intent_name, {"area": target.slots["area"]})
            text = self.rng.choice(P.AREA_TEMPERATURE_QUESTIONS).format(a=area)
            return Example(self._polite(text), line, "paraphrase") if line else None
        patterns = P.PARAPHRASES.get(intent_name)
        if not patterns:
            return None
        phrase, slots = self._target_phrase(target)
        slots.update({choice.slot: value for choice, (_, value) in zip(verb.values, values, strict=False) if value is not None})
        value_text = " ".join(spoken for spoken, _ in values if spoken)
        pattern = self.rng.choice(patterns)
        if "{v}" not in pattern and value_text:
            return None
        line = self._line(intent_name, slots)
        if line is None:
            return None
        return Example(self._polite(pattern.format(t=phrase, v=value_text)), line, "paraphrase")

    def _values(self, verb: Verb) -> list[tuple[str, Any]]:
        """(spoken, slot value) for each value slot; optional ones are sometimes left out ("", default)."""
        chosen = []
        for choice in verb.values:
            if choice.optional and self.rng.random() < 0.45:
                chosen.append(("", choice.default))
                continue
            word = self._value_word(choice)
            chosen.append((self._spoken_value(choice.slot, word), choice.words[word]))
        return chosen

    def _value_word(self, choice: ValueChoice) -> str:
        words = list(choice.words)
        named = [w for w in words if w.isdigit() and int(w) in P.NAMED_LEVELS.get(choice.slot, {})]
        if named and self.rng.random() < 0.15:
            return self.rng.choice(named)
        if all(w.replace(".", "", 1).isdigit() for w in words):
            round_ones = [w for w in words if float(w) % 5 == 0]
            if round_ones and self.rng.random() < 0.7:
                return self.rng.choice(round_ones)
        return self.rng.choice(words)

    def _spoken_value(self, slot: str, word: str) -> str:
        rng = self.rng
        if slot in ("brightness", "position"):
            named = P.NAMED_LEVELS[slot].get(round(float(word)), ())
            if named and rng.random() < 0.6:
                return rng.choice(named)  # "half", "a quarter", "full"
            number = self._number(word)
            return rng.choice((f"{number} percent", f"{number} percent", number, number if " " in number else f"{number}%"))
        if slot == "temperature":
            number = self._number(word)
            return rng.choice((f"{number} degrees", f"{number} degrees", number, f"{number} degrees celsius"))
        if slot == "color_temp":
            return rng.choice(P.COLOR_TEMP_WORDS.get(word, (word,)))
        if slot == "milk":
            return rng.choice(P.MILK_WORDS.get(word, (word.replace("_", " "),)))
        return word.replace("_", " ")

    def _number(self, word: str) -> str:
        """Digits, or the words a speech recogniser writes ("twenty one point five") a quarter of the time."""
        return " ".join(number_words(float(word))) if self.rng.random() < 0.25 else word

    def _coffee(self, values: list[tuple[str, Any]]) -> Example | None:
        spoken = {slot: text for slot, (text, _) in zip(("size", "drink", "milk"), values, strict=False)}
        slots = {slot: value for slot, (_, value) in zip(("size", "drink", "milk"), values, strict=False)}
        drink = " ".join(p for p in (spoken.get("size", ""), spoken.get("drink", "")) if p)
        if spoken.get("milk"):
            drink += " " + ("" if spoken["milk"] == "black" else "with ") + spoken["milk"]
        article = "an" if drink[:1] in "aeiou" else "a"
        pattern = self.rng.choice(P.COFFEE_PHRASES)
        line = self._line("MakeCoffee", {k: v for k, v in slots.items() if v is not None})
        if line is None:
            return None
        return Example(self._polite(pattern.format(drink=drink, a_drink=f"{article} {drink}")), line, "paraphrase")

    def _area_phrase(self, area_id: str) -> str:
        area = self.registry.area(area_id)
        name = self.rng.choice(area.spoken_names)
        return name if self.rng.random() < 0.15 else f"the {name}"

    def _type_word(self, kind: str, plural: bool) -> str:
        words = TYPE_WORDS[DeviceType(kind)]
        pairs = list(zip(words[::2], words[1::2], strict=False))
        singular, many = self.rng.choice(pairs) if pairs else (words[0], words[0])
        return many if plural else singular

    def _target_phrase(self, target: Target) -> tuple[str, dict[str, Any]]:
        """How a person names this target, and the slots the templates would give those words."""
        slots = dict(target.slots)
        rng = self.rng
        if "name" in slots:
            device = target.devices[0]
            name = rng.choice(device.spoken_names)
            shared = len(self.registry.devices_named(name)) > 1
            found: dict[str, Any] = {"name": name}
            if device.area and (shared or rng.random() < 0.2):
                found["area"] = device.area
                area = self._area_phrase(device.area)
                if area.removeprefix("the ") in name:
                    return f"the {name}", {"name": name} if not shared else found
                joined = f"{area.removeprefix('the ')} {name}"
                if any(other is not device for other in self.registry.devices_named(joined)):
                    return f"the {name} in {area}", found  # "the patio gate lock" is another device's name
                return rng.choice((f"the {name} in {area}", f"{area} {name}")), found
            if device.area and rng.random() < 0.15 and self._only_of_type_in_area(device):
                area = self._area_phrase(device.area)
                word = self._type_word(device.type.value, False)
                return rng.choice((f"{area} {word}", f"the {word} in {area}")), {"area": device.area, "type": device.type.value}
            return rng.choice((f"the {name}", f"the {name}", name, f"my {name}")), found
        if slots.get("scope") == "all":
            word = self._type_word(str(slots["type"]), True)
            return rng.choice((f"all the {word}", f"all {word}", f"every {word[:-1] if word.endswith('s') else word}", f"all of the {word}", f"the {word} everywhere", f"all {word} in the house")), slots
        if "type" in slots:
            area = self._area_phrase(str(slots["area"]))
            word = self._type_word(str(slots["type"]), True)
            bare = area.removeprefix("the ")
            return rng.choice((f"the {bare} {word}", f"the {word} in {area}", f"all the {word} in {area}", f"{bare} {word}")), slots
        area = self._area_phrase(str(slots["area"]))
        return rng.choice((area, f"everything in {area}", f"all of {area}", f"the whole {area.removeprefix('the ')}")), slots

    def _only_of_type_in_area(self, device: Device) -> bool:
        return len(self.registry.devices_in(device.area, device.type)) == 1

    # --- indirect requests --------------------------------------------------------------

    def indirect(self) -> Example | None:
        roll = self.rng.random()
        if roll < 0.2 and "SetTemperature" in self.offered:
            cold = self.rng.random() < 0.6
            degrees = P.WARM_VALUE if cold else P.COOL_VALUE
            text = self.rng.choice(P.COLD_PHRASES if cold else P.HOT_PHRASES)
            slots: dict[str, Any] = {"temperature": degrees}
            if self.rng.random() < 0.4 and self.registry.areas:
                area = self.rng.choice(self.registry.areas)
                text += f" in {self._area_phrase(area.id)}"
                slots["area"] = area.id
            line = self._line("SetTemperature", slots)
            return Example(self._polite(text), line, "indirect") if line else None
        if roll < 0.3 and "Lock" in self.offered:
            target, _ = self.rng.choice(self.offered["Lock"])
            phrase, slots = self._target_phrase(target)
            line = self._line("Lock", slots)
            text = self.rng.choice(P.SECURE_PHRASES).format(t=phrase)
            return Example(self._polite(text), line, "indirect") if line else None
        if roll < 0.45:
            return self._purpose()
        if roll < 0.55:
            return self._named_wish()
        intent_name, kind, value, patterns = self.rng.choice(P.INDIRECT)
        areas = [a for a in self.registry.areas if self.registry.devices_in(a.id, DeviceType(kind))]
        if not areas:
            return None
        area = self.rng.choice(areas)
        wanted: dict[str, Any] = {"area": area.id, "type": kind}
        if intent_name == "SetColorTemp":
            wanted["color_temp"] = {"warm": 2700, "neutral": 4000, "cool": 6500}[value]
        line = self._line(intent_name, wanted)
        if line is None:
            return None
        text = self.rng.choice(patterns).format(a=self._area_phrase(area.id))
        return Example(self._polite(text), line, "indirect")

    def _purpose(self) -> Example | None:
        """A wish only one device of this home answers ("I have to print a letter" -> the printer)."""
        word, intent_name, patterns = self.rng.choice(P.PURPOSES)
        having = [d for d in self.registry.devices if any(word in name.split() for name in d.spoken_names)]
        if len(having) != 1:
            return None
        target = self._named_target(intent_name, having[0])
        if target is None:
            return None
        line = self._line(intent_name, {"name": target})
        return Example(self._polite(self.rng.choice(patterns)), line, "indirect") if line else None

    def _named_wish(self) -> Example | None:
        intent_name = self.rng.choice(sorted(P.NAMED_WISHES))
        named = [t for t, _ in self.offered.get(intent_name, []) if "name" in t.slots]
        if not named:
            return None
        target = self.rng.choice(named)
        phrase, slots = self._target_phrase(target)
        if "name" not in slots:
            return None
        line = self._line(intent_name, slots)
        text = self.rng.choice(P.NAMED_WISHES[intent_name]).format(t=phrase)
        return Example(self._polite(text), line, "indirect") if line else None

    def _named_target(self, intent_name: str, device: Device) -> str | None:
        """A name that means only ``device``, if ``device`` can do ``intent_name``."""
        if not any(t.devices and t.devices[0] is device and "name" in t.slots for t, _ in self.offered.get(intent_name, [])):
            return None
        unique = [name for name in device.spoken_names if len(self.registry.devices_named(name)) == 1]
        return self.rng.choice(unique) if unique else None

    # --- none -------------------------------------------------------------------------------

    def none(self) -> Example | None:
        roll = self.rng.random()
        if roll < 0.35:
            return Example(self.rng.choice(P.OUT_OF_HOME), NONE_WORD, "none")
        if roll < 0.5:
            return self._near_miss()
        if roll < 0.82:
            thing = self._absent_thing()
            if thing is None:
                return None
            text = self.rng.choice(P.ABSENT_ACTIONS).format(x=thing)
            return Example(self._polite(text), NONE_WORD, "none")
        return self._unsupported()

    def _near_miss(self) -> Example | None:
        """A command for a device like one of this home's, under a name none of its devices has."""
        named = [t for t in self.language.targets if "name" in t.slots and t.verbs]
        if not named:
            return None
        target = self.rng.choice(named)
        device = target.devices[0]
        words = self.rng.choice(device.spoken_names).split()
        vocabulary = set(self.registry.vocabulary())
        other = self.rng.choice(P.NEAR_MISS_WORDS)
        if other in vocabulary or other in words:
            return None
        name = " ".join([other, *words[1:]] if len(words) > 1 else [other, *words])
        if self.registry.devices_named(name):
            return None
        verb = self.rng.choice(target.verbs)
        patterns = [p for p in P.PARAPHRASES.get(verb.intent, ()) if "{v}" not in p] if not verb.values else []
        patterns += P.NEAR_MISS_COMMANDS.get(verb.intent, [])
        if not patterns:
            return None
        values = " ".join(spoken for spoken, _ in self._values(verb) if spoken)
        text = self.rng.choice(patterns).format(t=f"the {name}", v=values)
        return Example(self._polite(text), NONE_WORD, "none")

    def _absent_thing(self) -> str | None:
        """A device, or a device in an area, that this home does not have."""
        vocabulary = set(self.registry.vocabulary())
        roll = self.rng.random()
        if roll < 0.45:
            thing = self.rng.choice(P.ABSENT_THINGS)
            if set(thing.split()) & vocabulary:
                return None
            return f"the {thing}"
        if roll < 0.75:
            known = {name for _, areas in [(0, self.registry.areas)] for a in areas for name in a.spoken_names}
            from .homes import AREA_POOL

            absent_areas = [name for name, _ in AREA_POOL if name not in known and not set(name.split()) & vocabulary]
            if not absent_areas:
                return None
            area = self.rng.choice(absent_areas)
            kind = self.rng.choice([k for k in TYPE_POOLS])
            word = self._type_word(kind, self.rng.random() < 0.3)
            return self.rng.choice((f"the {area} {word}", f"the {word} in the {area}"))
        present = {d.type.value for d in self.registry.devices}
        missing = [kind for kind in TYPE_POOLS if kind not in present]
        if not missing:
            return None
        kind = self.rng.choice(missing)
        name = self.rng.choice(TYPE_POOLS[kind]).replace("{area} ", "")
        if set(name.split()) & vocabulary:
            return None
        return f"the {name}"

    def _unsupported(self) -> Example | None:
        intent_name = self.rng.choice(sorted(P.UNSUPPORTED))
        able = {target.word for target, _ in self.offered.get(intent_name, [])}
        if intent_name in P.UNSUPPORTED_UNLESS:
            able |= {target.word for target, _ in self.offered.get(P.UNSUPPORTED_UNLESS[intent_name], [])}
        devices = [t for t in self.language.targets if "name" in t.slots and t.word not in able]
        if not devices:
            return None
        target = self.rng.choice(devices)
        device = target.devices[0]
        if self._same_name_can(device, intent_name):
            return None
        phrase = f"the {self.rng.choice(device.spoken_names)}"
        color = self.rng.choice(("blue", "red", "green", "purple"))
        text = self.rng.choice(P.UNSUPPORTED[intent_name]).format(t=phrase, color=color)
        return Example(self._polite(text), NONE_WORD, "none")

    def _same_name_can(self, device: Device, intent_name: str) -> bool:
        """Whether another device answering to one of this device's names can do it (then it is not ``none``)."""
        for name in device.spoken_names:
            for other in self.registry.devices_named(name):
                if other is not device and any(
                    t.devices and t.devices[0] is other for t, _ in self.offered.get(intent_name, [])
                ):
                    return True
        return False
