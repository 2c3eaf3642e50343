"""Text in, action and reply out: the stages every entry point shares.

``Assistant.handle_text`` runs intent recognition -> resolution -> execution -> reply and returns
a ``Turn``: every value the stages produced, with timings. ``Assistant.handle_heard`` is the same
for what the ears heard (a ``Transcript``). ``Turn.as_dict`` is the JSON report
of ``assistant text --json``, ``assistant listen --json`` and the daemon's events.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .config import Config
from .devices.actions import ActionKind
from .devices.command import MqttCommand
from .devices.model import Device, DeviceType
from .dialogue import PendingChoice, PendingConfirmation, Session, answer_kind, choose, is_stop
from .executor import Execution, Executor
from .mqtt import Delivery, MqttLink
from .nlu.fuzzy import FuzzyNameRecognizer, fuzzy_settings
from .nlu.intent import Intent, IntentChain, IntentRecognizer
from .nlu.templates import TemplateRecognizer, load_intents
from .registry import Registry
from .replies import Reply, ReplyBook, join_words, load_replies
from .resolver import Problem, Query, Resolved, Resolver, done_reply_name
from .state import StateStore
from .stt.settings import stt_settings
from .stt.transcript import Transcript

_LOGGER = logging.getLogger(__name__)

_STATE_WORDS = {"on": "on", "off": "off", "open": "open", "closed": "closed", "locked": "locked", "unlocked": "unlocked"}


@dataclass(frozen=True)
class Turn:
    """Everything one command produced, stage by stage."""

    text: str
    intent: Intent | None
    outcome: str
    """done, dry_run, answer, question, cancelled, stopped, or a problem kind."""
    reply: Reply
    devices: tuple[Device, ...] = ()
    commands: tuple[MqttCommand, ...] = ()
    """The commands published (or, for a dry run, the ones that would have been)."""
    dry_run: bool = False
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def source(self) -> str | None:
        return self.intent.source if self.intent else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "intent": self.intent.as_dict() if self.intent else None,
            "source": self.source,
            "outcome": self.outcome,
            "devices": [device.id for device in self.devices],
            "mqtt": [command.as_dict() for command in self.commands],
            "dry_run": self.dry_run,
            "reply": self.reply.text,
            "expects_answer": self.reply.expects_answer,
            "timings_ms": {stage: round(ms, 3) for stage, ms in self.timings_ms.items()},
        }


class Assistant:
    """The home's assistant, minus audio: build once, then handle text commands."""

    def __init__(
        self,
        config: Config,
        link: MqttLink | None,
        *,
        extra_recognizers: tuple[IntentRecognizer, ...] = (),
        registry: Registry | None = None,
        templates: TemplateRecognizer | None = None,
    ) -> None:
        self.config = config
        self.registry = registry or Registry.from_config(config)
        self.templates = templates or TemplateRecognizer(load_intents(config.intent_paths), self.registry)
        self.replies: ReplyBook = load_replies(config.intent_paths)
        # Exact templates first; then a template with a name this home lacks ("attic light"),
        # answered as unknown rather than guessed at, unless it clearly sounds like one the home has
        # ("kitten light": the kitchen light, see nlu/fuzzy.py); only then the language model.
        unknown_names = FuzzyNameRecognizer(self.templates, fuzzy_settings(config))
        self.chain = IntentChain((self.templates, unknown_names, *extra_recognizers))
        self.resolver = Resolver(self.registry)
        self.states = StateStore(self.registry)
        self.link = link
        self.executor = Executor(self.states, link)
        self.open_llm_confidence = stt_settings(config).open_llm_confidence
        self.listeners: list[Callable[[Turn], None]] = []
        if link is not None:
            for topic in self.states.topics:
                link.subscribe(topic, self.states.receive)

    @property
    def dry_run(self) -> bool:
        return self.link is None

    # --- the one entry point ----------------------------------------------------------

    def handle_heard(self, transcript: Transcript | None, session: Session | None = None) -> Turn:
        """What the ears heard. Nothing usable is "I didn't catch that", never a device action.
        Words only the second, open-vocabulary pass heard (the audio fit no command) are acted on
        by the language model only when it is at least ``stt.open_llm_confidence`` sure: such
        words are often misheard, and the model finds a command in nearly any words."""
        if transcript is None or transcript.rejected or not transcript.text:
            return self.handle_text("", session)
        least = None if transcript.constrained else self.open_llm_confidence
        return self.handle_text(transcript.text, session, least_model_confidence=least)

    def handle_text(self, text: str, session: Session | None = None, *, least_model_confidence: float | None = None) -> Turn:
        started = time.perf_counter()
        timings: dict[str, float] = {}
        turn = self._handle(text, session or Session(), timings, least_model_confidence)
        timings["total"] = (time.perf_counter() - started) * 1000
        turn = Turn(turn.text, turn.intent, turn.outcome, turn.reply, turn.devices, turn.commands, turn.dry_run, timings)
        for listener in self.listeners:
            try:
                listener(turn)
            except Exception:
                _LOGGER.exception("turn listener failed")
        return turn

    def _handle(self, text: str, session: Session, timings: dict[str, float], least_model_confidence: float | None) -> Turn:
        text = " ".join(text.split())
        if not text:
            return self._say(text, None, "not_heard", "problems.not_heard", "problem")
        if is_stop(text):
            session.clear()
            return self._say(text, None, "stopped", "dialogue.stopped", "dialogue")
        pending = session.take()
        if isinstance(pending, PendingConfirmation):
            answer = answer_kind(text)
            if answer == "yes":
                return self._act(text, pending.intent, pending.resolved, session, timings, confirmed=True)
            if answer == "no":
                return self._say(text, pending.intent, "cancelled", "dialogue.cancelled", "dialogue")
        elif isinstance(pending, PendingChoice):
            chosen = choose(text, pending.candidates, self.registry)
            if chosen is not None:
                resolution = self.resolver.resolve_for(pending.intent, (chosen,))
                return self._follow(text, pending.intent, resolution, session, timings)
            if answer_kind(text) == "no":
                return self._say(text, pending.intent, "cancelled", "dialogue.cancelled", "dialogue")
            if self.chain.recognize(text) is None:
                # Neither one of the choices nor a new command: ask once more.
                session.ask(pending)
                reply = self.replies.say(
                    "dialogue.choice_not_understood", "question", self._choice_values(pending.candidates), expects_answer=True
                )
                return Turn(text, pending.intent, "question", reply, pending.candidates)

        stage = time.perf_counter()
        intent = self.chain.recognize(text)
        timings["intent"] = (time.perf_counter() - stage) * 1000
        if intent is not None and intent.source == "llm" and intent.confidence < (least_model_confidence or 0.0):
            _LOGGER.info(
                "llm: %r -> %s %s at %.2f, under the %.2f asked of words only the second pass heard",
                text, intent.name, dict(intent.slots), intent.confidence, least_model_confidence,
            )
            intent = None
        if intent is None:
            return self._say(text, None, "not_understood", "problems.not_understood", "problem")
        stage = time.perf_counter()
        resolution = self.resolver.resolve(intent)
        timings["resolve"] = (time.perf_counter() - stage) * 1000
        return self._follow(text, intent, resolution, session, timings)

    def _follow(
        self, text: str, intent: Intent, resolution: Resolved | Query | Problem, session: Session, timings: dict[str, float]
    ) -> Turn:
        if isinstance(resolution, Problem):
            return self._problem(text, intent, resolution, session)
        if isinstance(resolution, Query):
            return self._answer(text, intent, resolution)
        return self._act(text, intent, resolution, session, timings)

    # --- acting -------------------------------------------------------------------------

    def _act(
        self, text: str, intent: Intent, resolved: Resolved, session: Session, timings: dict[str, float], *, confirmed: bool = False
    ) -> Turn:
        if not confirmed and needs_confirmation(resolved):
            session.ask(PendingConfirmation(intent, resolved))
            values = {"action": self.replies.action_phrase(resolved.action.kind.value), "devices": self._names(resolved.devices)}
            reply = self.replies.say("dialogue.confirm", "question", values, expects_answer=True)
            return Turn(text, intent, "question", reply, resolved.devices)
        stage = time.perf_counter()
        execution = self.executor.execute(resolved.action, resolved.devices)
        timings["publish"] = (time.perf_counter() - stage) * 1000
        return self._done(text, intent, resolved, execution)

    def _done(self, text: str, intent: Intent, resolved: Resolved, execution: Execution) -> Turn:
        delivery = execution.delivery
        if delivery is Delivery.NOT_CONNECTED:
            reply = self.replies.say("problems.broker_down", "problem")
            return Turn(text, intent, "broker_down", reply, resolved.devices, ())
        if delivery is Delivery.TIMED_OUT:
            reply = self.replies.say("problems.timed_out", "problem")
            return Turn(text, intent, "timed_out", reply, resolved.devices, execution.sent)
        action = resolved.action
        key = f"done.{done_reply_name(action)}"
        key = key if self.replies.has(key) else "done.default"
        values: dict[str, Any] = dict(intent.slot_texts)
        values.update(intent.slots)
        values.update(
            {
                "devices": self._names(resolved.devices),
                "brightness": action.brightness,
                "color": action.color_name,
                "color_temp": _color_temp_word(action.color_temp),
                "position": action.position,
                "temperature": action.temperature,
            }
        )
        reply = self.replies.say(key, "done", {k: v for k, v in values.items() if v is not None})
        if execution.dry_run:
            return Turn(text, intent, "dry_run", reply, resolved.devices, execution.commands, dry_run=True)
        return Turn(text, intent, "done", reply, resolved.devices, execution.commands)

    # --- answering ----------------------------------------------------------------------

    def _answer(self, text: str, intent: Intent, query: Query) -> Turn:
        if query.intent == "QueryState":
            device = query.devices[0]
            state = self.states.get(device.id)
            actual = _state_word(device, state, query.asked or "on")
            values = {"device": f"the {device.name}", "state": query.asked}
            if actual is None:
                reply = self.replies.say("answers.state_unknown", "answer", values)
            elif actual == query.asked:
                reply = self.replies.say("answers.state_yes", "answer", values)
            else:
                reply = self.replies.say("answers.state_no", "answer", {**values, "actual": actual})
            return Turn(text, intent, "answer", reply, (device,))
        readings = [(d, self.states.get(d.id).temperature) for d in query.devices]
        known = [(d, t) for d, t in readings if t is not None]
        area_name = self.registry.area_name(query.area)
        if not known and intent.slots.get("name") is not None:
            reply = self.replies.say("answers.state_unknown", "answer", {"device": f"the {query.devices[0].name}"})
        elif not known:
            reply = self.replies.say("answers.temperature_unknown", "answer", {"area": area_name})
        elif intent.slots.get("name") is not None:
            reply = self.replies.say("answers.temperature_device", "answer", {"device": f"the {known[0][0].name}", "temperature": known[0][1]})
        else:
            average = round(sum(t for _, t in known) / len(known), 1)
            reply = self.replies.say("answers.temperature", "answer", {"area": area_name, "temperature": average})
        return Turn(text, intent, "answer", reply, tuple(d for d, _ in known) or query.devices)

    # --- problems -----------------------------------------------------------------------

    def _problem(self, text: str, intent: Intent, problem: Problem, session: Session) -> Turn:
        values: dict[str, Any] = dict(problem.values)
        key = f"problems.{problem.kind}"
        kind = "problem"
        expects = False
        if "area" in values:
            area = values["area"]
            values["area"] = self.registry.area_name(area) if area else ""
            if problem.kind == "no_device_of_type" and not area:
                key = "problems.no_device_of_type_anywhere"
        if problem.kind == "ambiguous":
            session.ask(PendingChoice(intent, problem.candidates))
            values.update(self._choice_values(problem.candidates))
            kind, expects = "question", True
        if problem.kind == "unsupported":
            values["device"] = self._names(problem.candidates)
            values["action"] = self.replies.action_phrase(str(values["action"]))
        if problem.kind == "out_of_range":
            values["device"] = self._names(problem.candidates)
        reply = self.replies.say(key, kind, values, expects_answer=expects)
        return Turn(text, intent, "question" if expects else problem.kind, reply, problem.candidates if expects else ())

    def _choice_values(self, candidates: tuple[Device, ...]) -> dict[str, Any]:
        types = {d.type for d in candidates}
        thing = next(iter(types)).value if len(types) == 1 else "device"
        areas = [self.registry.area_name(d.area) or d.name for d in candidates]
        return {"count": _count_word(len(candidates)), "things": _plural(thing), "choices": join_words(areas, "or")}

    def _say(self, text: str, intent: Intent | None, outcome: str, key: str, kind: str) -> Turn:
        return Turn(text, intent, outcome, self.replies.say(key, kind))

    def _names(self, devices: tuple[Device, ...]) -> str:
        if len(devices) > 3 and len({d.type for d in devices}) == 1:
            return f"{_count_word(len(devices))} {_plural(devices[0].type.value)}"
        return join_words([f"the {d.name}" for d in devices])


def needs_confirmation(resolved: Resolved) -> bool:
    """Sensitive devices (``confirm: true``) need a yes, except to make them safer (locking)."""
    return resolved.action.kind is not ActionKind.LOCK and any(d.confirm for d in resolved.devices)


def _state_word(device: Device, state: Any, asked: str) -> str | None:
    if device.type is DeviceType.LOCK or asked in ("locked", "unlocked"):
        return None if state.locked is None else ("locked" if state.locked else "unlocked")
    if device.type is DeviceType.COVER or asked in ("open", "closed"):
        if state.cover is not None:
            return "closed" if state.cover == "closed" else "open"
        if state.position is not None:
            return "closed" if state.position == 0 else "open"
        return None
    return None if state.power is None else ("on" if state.power else "off")


def _color_temp_word(kelvin: int | None) -> str | None:
    if kelvin is None:
        return None
    if kelvin < 3500:
        return "warm"
    if kelvin < 5000:
        return "neutral"
    return "cool"


_COUNT_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def _count_word(count: int) -> str:
    return _COUNT_WORDS[count] if count < len(_COUNT_WORDS) else str(count)


def _plural(word: str) -> str:
    return word + ("es" if word.endswith(("s", "sh", "ch")) else "s")
