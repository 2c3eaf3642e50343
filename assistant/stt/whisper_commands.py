"""Whisper chooses the command: which of the home's commands the utterance is, heard by Whisper.

The grammar pass (PocketSphinx or Vosk) is exact on the commands it knows, but in noise it is
often sure of the wrong sentence: "hall stove white" for "close the blinds", "turn the kitchen
lights on" for "... light on" (bench/reports/speech.md, session 10: 80 of 312 noisy recordings).
Whisper ``tiny.en`` hears the same audio far better but writes free text ("turn of the kitchen
light"). Together:

1. **Whisper's candidates** (``hear``). Whisper's beam search with every token that no command
   word is made of suppressed (``beam``: the words are the home's, the order still Whisper's
   own), each of its ``BEAM_WIDTH`` sentences moved to the nearest sentence of the grammar
   (``nearest_sentence``: a word edit distance, at most ``MAX_EDITS_PER_WORD`` per word heard),
   and each of these with one word's plural turned singular or back ("light" / "lights", "blind"
   / "blinds"), what the grammar pass most often mishears.
2. **The scores** (``choice``). Whisper scores every candidate on the same audio (teacher
   forcing: the probability of each token after the ones before it), written as Whisper writes
   ("Turn on the kitchen light."), and the likeliest wins, or its singular or plural twin where
   that twin says a device's own name and is at most ``NAME_PRIOR`` less likely (``by_name``: in
   noise the "s" is what is lost). Its confidence is its tokens' mean probability (geometric).
3. **Sure, or ask the grammar pass** (``WhisperJudge``, which the recognisers call). At ``SURE``
   or above the choice is final and the grammar pass is skipped: its sentence never changed such
   a choice on the speech bench. Below it the grammar pass runs; its sentence (and its plural
   twins) joins the candidates (``consider``): the whole of it, or the command it heard before the
   words its decoys caught ("lock the front door for": ``command_prefix``). Then, in order:
   Whisper's choice when its confidence is at least ``min_confidence``; the grammar pass's own
   result if it accepted one — with Whisper's singular or plural where its likeliest candidate is
   that sentence with one word's number changed and at least ``NUMBER_MARGIN`` likelier ("turn
   the kitchen lights on" -> "... light on": Whisper hears the "s" better), or where Whisper's
   choice is another sentence at least ``OVERRULE_MARGIN`` likelier ("toggle the plug" ->
   "toggle the printer"), or said by a device's name (``by_name``); Whisper's choice at
   ``AGREED`` or above when it is the very sentence the grammar pass heard and rejected (two
   recognisers agree; a command cut from more words must be one of Whisper's own sentences too);
   and last Whisper's free text (``WhisperPass.hear``) for the language model. Before all that,
   a sentence the grammar pass accepted counts as rejected where Whisper's own beam came near no
   command and Whisper finds the sentence all but impossible (``IMPLAUSIBLE``).

Measured (README, Speech in): on the speech bench the chain accepts more commands and makes fewer
wrong ones than with Whisper only for what the grammar rejected, and it is quicker, since the
grammar pass (0.49 s a command here, mean, denoising included) is skipped for over half of them.
Whisper's part costs about 0.16 s a command on one thread (encoding 10 s, the beam, the moves, the
scoring), during the trailing silence that ends the command.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .grammar import CommandGrammar
from .whisper_pass import WhisperPass, WhisperWindow
from .wordgraph import nearest_sentence

_LOGGER = logging.getLogger(__name__)

BEAM_WIDTH = 3
MAX_EDITS_PER_WORD = 0.25
"""How far a sentence Whisper wrote may be from the command it is moved to: the word edits it
needs (``nearest_sentence``'s cost) per word written. On the probe's recordings 95% of the moves
to the right command cost under 0.13 a word, and 95% of the moves to a wrong one over 0.29."""
MIN_EDITS = 0.75
"""A short sentence may still be one misheard word away ("cover the printer" for "... toggle ...")."""
MAX_TOKENS = 48
"""Longer than any command: a beam that runs on is a hallucination."""
DEFAULT_MIN_CONFIDENCE = 0.37
"""exp(-1): the mean token probability under which Whisper's choice is not trusted (session 11's
probe: 0.37 kept garbage from acting and took 95.5% / 71.8%; lower took more noisy commands and
made more wrong ones, 0.2: 246 right and 17 wrong of 312 noisy against 224 and 3)."""

NUMBER_MARGIN = 2.0
"""How much likelier (log probability, e^2: 7.4 times) Whisper must find its singular or plural
than the grammar pass's accepted sentence to change it. Session 12, the 40 recordings of the
speech bench where the two differed so and Whisper trusted nothing: at 2.0 or more Whisper was
right on 29 of 32 and the grammar pass on none; under it Whisper on 4, the grammar pass on 4 (clean
espeak-ng: "blinds" heard as "blind" by Whisper). Chosen on that bench (no held-out half)."""
OVERRULE_MARGIN = 4.0
"""How much likelier (log probability, e^4: 55 times) Whisper must find its choice, however unsure,
than the grammar pass's accepted sentence to overrule it when the two differ by more than one
word's singular or plural (that is ``NUMBER_MARGIN``). In noise the grammar pass is sometimes sure
of a sentence Whisper finds far less likely than its own: "toggle the plug" for "toggle the
printer" (Piper at 10 dB, 12 nats apart), "is the kids room lights on" for "is the kitchen light
on", "brew medium espresso" for "brew me an espresso". See ``bench.whisper_first`` for the sweep."""
SURE = 0.5
"""The confidence at which Whisper's own choice, before the grammar pass, is final: the grammar
pass is skipped (it only adds its sentence to the candidates Whisper scores). Session 12's probe
over the speech bench's 624 commands and 440 garbage cases: Whisper's own choice reached 0.5 on
345 commands (205 clean, 140 at 10 dB) and the grammar pass's sentence changed it on none of them
(nor at any bar from 0.5 to 0.9); the 80 garbage cases above it were all near misses the decoys
hold ("open the window in the bedroom"), chosen the same with the grammar pass. It saves the
grammar pass's 0.49 s (mean, denoising included) on those commands."""

NAME_PRIOR = 4.0
"""How much likelier (log probability, e^4: 55 times) Whisper must find a command than its singular or plural
twin that says a device's own name ("open the kitchen blind" against "... blinds", the device's
name) for the command to stand. In noise the final "s" is the first sound lost (pink noise is a
hiss) or gained: on the speech bench at 10 dB both passes heard "the kitchen blind" for "the kitchen
blinds" and PocketSphinx "the kitchen lights" for "the kitchen light". Said the other way, the
twin is a type in an area ("the blinds in the kitchen"), which people say less often than a name
they gave the device. Session 13's probe (bench.whisper_first, the choice replayed word for word):
right at 10 dB 260 -> 269 of 312, clean 294 -> 296, wrong 38 -> 27; e^1 gave 264 at 10 dB, e^4
272. Session 14's probe, over the audio the listener hands over (the onset fix, ``OVERRULE_MARGIN``):
e^2 -> e^4 took 252 -> 257 at 10 dB and 299 -> 300 clean, wrong 28 -> 23 and 6 -> 5, no more
garbage cases; the speech bench confirmed it (see the README). Both probes found e^4 the best of
0 to 4; the bench has no held-out half."""

AGREED = 0.13
"""The confidence at which Whisper's choice is taken, though not trusted, when it is the sentence
the grammar pass heard and rejected (for its fit, or for the words its decoys caught after the
command: "lock the front door for"; then Whisper's own beam must have found the command too).
Two recognisers agreeing on one of the home's commands is the evidence neither has alone. Session
13's probe (bench.whisper_first): at 0.1, 6 more clean commands right and 7 noisy ones, none
wrong, no garbage case chosen. The speech bench at 0.1 found one: "she turned the light off and
went to sleep" (Piper, fast, 10 dB; the utterance cut after "off") -> "turn the light off", at
about 0.12, while the clean commands it gained had 0.108, 0.12, 0.136 and 0.176. 0.13 sits between
them: chosen on that bench, with no held-out half, and a thin margin."""

IMPLAUSIBLE = 0.005
"""Whisper's confidence (its tokens' mean probability) under which a sentence the grammar pass
accepted is not taken, where Whisper's own beam came near none of the home's commands: the grammar
pass forced speech that is no command onto the nearest sentence it has, and Whisper's free text
goes to the intent recogniser instead. Speech bench, 10 dB: "i left the light on in the car" (Piper,
fast) was accepted as "i would like an coffee" (Whisper: 0.003) and a coffee was made (until the
grammar pass heard each utterance on its own, see pocketsphinx_engine.py). Session 14's
probe (bench.whisper_first): of the sentences the grammar pass accepted with nothing of Whisper's
own beside them, 14 were under 0.005, all garbage; the lowest command was espeak-ng's noisy
"toggle the printer", right, at 0.008. Chosen on that bench (no held-out half)."""


_NOT_WORD = re.compile(r"[^\w' ]+")


@dataclass(frozen=True)
class CommandChoice:
    """The command Whisper finds likeliest for an utterance."""

    words: tuple[str, ...]
    confidence: float
    """The geometric mean of its tokens' probabilities (0..1)."""
    trusted: bool
    """At least ``min_confidence``: the assistant acts on it."""
    candidates: int
    seconds: float

    @property
    def text(self) -> str:
        return " ".join(self.words)


def written_words(text: str) -> tuple[str, ...]:
    """Whisper's sentence ("Turn on the kitchen light.") as the grammar's words."""
    return tuple(_NOT_WORD.sub(" ", text.lower().replace("-", " ")).split())


def as_whisper_writes(words: Sequence[str]) -> str:
    """A command as Whisper would write it: a leading space, a capital, a full stop."""
    sentence = " ".join(words)
    return " " + sentence[:1].upper() + sentence[1:] + "."


def number_variants(accepts: Callable[[Sequence[str]], bool], words: tuple[str, ...]) -> Iterable[tuple[str, ...]]:
    """``words`` with one word's plural made singular or its singular plural, where ``accepts`` has it."""
    for index, word in enumerate(words):
        for other in (word[:-1] if word.endswith("s") else "", word + "s"):
            if other:
                variant = (*words[:index], other, *words[index + 1 :])
                if accepts(variant):
                    yield variant


def command_prefix(accepts: Callable[[Sequence[str]], bool], words: Sequence[str]) -> tuple[str, ...]:
    """The longest start of ``words`` (two words or more) that ``accepts`` has, or (): the command
    the grammar pass heard before the words its decoys caught ("lock the front door for")."""
    for end in range(len(words), 1, -1):
        if accepts(tuple(words[:end])):
            return tuple(words[:end])
    return ()


def names_a_device(device_names: Iterable[tuple[str, ...]], words: Sequence[str], index: int) -> bool:
    """Whether the word at ``index`` is part of a device's name (or alias) said in ``words``."""
    return any(
        tuple(words[start : start + len(name)]) == name
        for name in device_names
        for start in range(max(0, index - len(name) + 1), index + 1)
    )


def named_twin(
    words: tuple[str, ...],
    likelihoods: Mapping[tuple[str, ...], float],
    device_names: Iterable[tuple[str, ...]],
    prior: float = NAME_PRIOR,
) -> tuple[str, ...]:
    """``words``, or its singular or plural twin that says a device's own name where ``words``
    says none ("open the kitchen blind" -> "... blinds"), unless ``words`` is at least ``prior``
    likelier (see ``NAME_PRIOR``). ``likelihoods``: the log probability of each scored sentence;
    only twins among them are weighed."""
    if words not in likelihoods:
        return words
    for twin in number_variants(lambda variant: tuple(variant) in likelihoods, words):
        index = next(i for i, (a, b) in enumerate(zip(words, twin, strict=True)) if a != b)
        if (
            names_a_device(device_names, twin, index)
            and not names_a_device(device_names, words, index)
            and likelihoods[twin] + prior >= likelihoods[words]
        ):
            return twin
    return words


@dataclass
class Hearing:
    """One utterance as Whisper heard it: its encoding and every command scored on it so far."""

    window: WhisperWindow
    scores: dict[tuple[str, ...], list[float]] = field(default_factory=dict)
    """A command's words -> the log probability of each of its tokens on this audio."""
    seconds: float = 0.0
    """Spent choosing (the beam search, the moves to the grammar, the scoring)."""


class WhisperCommands:
    """Chooses, with Whisper, which of the grammar's commands an utterance is."""

    def __init__(
        self,
        whisper: WhisperPass,
        grammar: CommandGrammar,
        *,
        min_confidence: float = DEFAULT_MIN_CONFIDENCE,
        device_names: Iterable[str] = (),
    ) -> None:
        self.whisper = whisper
        self.graph = grammar.graph
        self.min_confidence = min_confidence
        self.device_names = frozenset(tuple(name.split()) for name in device_names)
        """The home's device names and aliases as words: what ``by_name`` prefers."""
        allowed = {whisper.end_of_text}
        for word in grammar.words:
            for form in (word, word[:1].upper() + word[1:]):
                allowed.update(whisper.tokens(" " + form))
        for mark in ".,?!":
            allowed.update(whisper.tokens(mark))
        self._suppressed = [token for token in range(whisper.vocabulary_size) if token not in allowed]
        _LOGGER.info("Whisper chooses among the grammar's commands (%d of %d tokens)", len(allowed), whisper.vocabulary_size)

    def hear(self, window: WhisperWindow) -> Hearing:
        """Whisper's own candidates for the utterance in ``window`` (its beam's sentences moved to
        the grammar, and their plural twins), scored."""
        started = time.perf_counter()
        hearing = Hearing(window)
        moved: list[tuple[str, ...]] = []
        for tokens in self.whisper.beam(window, width=BEAM_WIDTH, suppressed=self._suppressed, max_tokens=MAX_TOKENS):
            written = written_words(self.whisper.text_of(tokens))
            if not written:
                continue
            nearest = nearest_sentence(self.graph, written, max(MIN_EDITS, MAX_EDITS_PER_WORD * len(written)))
            if nearest is not None:
                moved.append(nearest[0])
        self._score(hearing, moved)
        hearing.seconds += time.perf_counter() - started
        return hearing

    def consider(self, hearing: Hearing, guesses: Iterable[Sequence[str]]) -> Hearing:
        """``hearing`` with the ``guesses`` (the grammar pass's sentence) that the grammar
        accepts, and their plural twins, scored too."""
        started = time.perf_counter()
        self._score(hearing, [tuple(guess) for guess in guesses if guess and self.graph.accepts(tuple(guess))])
        hearing.seconds += time.perf_counter() - started
        return hearing

    def choice(self, hearing: Hearing) -> CommandChoice | None:
        """The likeliest command scored on ``hearing`` (``by_name``); None when there is no candidate at all."""
        if not hearing.scores:
            return None
        words = self.by_name(hearing, max(hearing.scores, key=lambda words: sum(hearing.scores[words])))
        confidence = self.confidence(hearing, words)
        choice = CommandChoice(words, confidence, confidence >= self.min_confidence, len(hearing.scores), hearing.seconds)
        _LOGGER.debug(
            "Whisper chose %r among %d (confidence %.2f%s) in %.2f s",
            choice.text, choice.candidates, confidence, "" if choice.trusted else ", not trusted", choice.seconds,
        )
        return choice

    def confidence(self, hearing: Hearing, words: tuple[str, ...]) -> float:
        """The geometric mean of the probabilities of ``words``' tokens (scored on ``hearing``)."""
        scores = hearing.scores[words]
        return math.exp(sum(scores) / max(1, len(scores)))

    def by_name(self, hearing: Hearing, words: tuple[str, ...]) -> tuple[str, ...]:
        """``words``, or its twin that says a device's name (``named_twin``), as scored on ``hearing``."""
        return named_twin(words, {sentence: sum(scores) for sentence, scores in hearing.scores.items()}, self.device_names)

    def names_a_device(self, words: Sequence[str], index: int) -> bool:
        """Whether the word at ``index`` is part of one of this home's device names said in ``words``."""
        return names_a_device(self.device_names, words, index)

    def choose(self, window: WhisperWindow, guesses: Iterable[Sequence[str]] = ()) -> CommandChoice | None:
        """The likeliest command for the utterance in ``window``, among Whisper's own sentences
        moved to the grammar and the ``guesses``; None when there is no candidate at all."""
        return self.choice(self.consider(self.hear(window), guesses))

    def _score(self, hearing: Hearing, sentences: Iterable[tuple[str, ...]]) -> None:
        new: dict[tuple[str, ...], None] = {}
        for words in sentences:
            for candidate in (words, *number_variants(self.graph.accepts, words)):
                if candidate not in hearing.scores:
                    new.setdefault(candidate)
        if new:
            texts = [self.whisper.tokens(as_whisper_writes(words)) for words in new]
            hearing.scores.update(zip(new, self.whisper.log_probabilities(hearing.window, texts), strict=True))


@dataclass(frozen=True)
class WhisperVerdict:
    """What Whisper made of an utterance: a command or free text."""

    text: str
    confidence: float
    constrained: bool
    """True: one of the grammar's commands (Whisper's choice); False: Whisper's free text."""
    rejected: bool


class WhisperJudge:
    """Whisper's word on one utterance, around the grammar pass: ``before_grammar`` hears it and
    may already be sure of the command (the grammar pass is then skipped); ``after_grammar``
    weighs the grammar pass's sentence too. A CTranslate2 error leaves the grammar's result (or
    "not heard") and is logged."""

    def __init__(self, whisper: WhisperPass, commands: WhisperCommands | None, pcm: bytes) -> None:
        self.whisper = whisper
        self.commands = commands
        self.pcm = pcm
        self.hearing: Hearing | None = None
        self.failed = False

    def before_grammar(self) -> WhisperVerdict | None:
        """A command Whisper is sure of on its own (at least ``SURE``), or None: ask the grammar pass."""
        if self.commands is None:
            return None
        try:
            window = self.whisper.listen(self.pcm)
            if window is None:
                return None
            self.hearing = self.commands.hear(window)
        except (RuntimeError, ValueError) as err:  # CTranslate2's errors: the grammar pass decides alone
            self._failed(err)
            return None
        choice = self.commands.choice(self.hearing)
        if choice is not None and choice.trusted and choice.confidence >= SURE:
            return WhisperVerdict(choice.text, choice.confidence, True, False)
        return None

    def after_grammar(self, grammar_words: Sequence[str], grammar_accepted: bool) -> WhisperVerdict | None:
        """Whisper's word once the grammar pass heard ``grammar_words`` (a command, or words that
        are not one); None: the grammar pass's result stands (it accepted it and Whisper chose the
        same, or nothing it trusts). Order: Whisper's trusted choice among the commands, the
        grammar's accepted result (said by its name: ``by_name``), Whisper's choice where it is
        the sentence the grammar pass rejected (``AGREED``), Whisper's free text."""
        if self.failed:
            return None if grammar_accepted else WhisperVerdict("", 0.0, False, True)
        if self.commands is None and grammar_accepted:
            return None  # Whisper only hears what the grammar pass rejected: nothing to encode
        try:
            window = self.hearing.window if self.hearing is not None else self.whisper.listen(self.pcm)
            if window is None:
                return None if grammar_accepted else WhisperVerdict("", 0.0, False, True)
            if self.commands is not None:
                if grammar_accepted and self._implausible(window, tuple(grammar_words)):
                    grammar_accepted = False  # Whisper's free text instead, for the intent recogniser
                verdict = self._command_verdict(window, tuple(grammar_words), grammar_accepted)
                if verdict is not None or grammar_accepted:
                    return verdict
            elif grammar_accepted:
                return None
            heard = self.whisper.hear(window)
        except (RuntimeError, ValueError) as err:  # CTranslate2's errors: the grammar's result, or not heard
            self._failed(err)
            return None if grammar_accepted else WhisperVerdict("", 0.0, False, True)
        return WhisperVerdict(heard.text, heard.confidence, False, heard.rejected)

    def _command_verdict(self, window: WhisperWindow, grammar_words: tuple[str, ...], grammar_accepted: bool) -> WhisperVerdict | None:
        """The command Whisper settles on with the grammar pass's sentence, or None: the grammar
        pass's accepted result as it is, or (not accepted) nothing: Whisper's free text next."""
        assert self.commands is not None
        commands = self.commands
        complete = bool(grammar_words) and commands.graph.accepts(grammar_words)
        sentence = grammar_words if complete else command_prefix(commands.graph.accepts, grammar_words)
        hearing = self.hearing if self.hearing is not None else commands.hear(window)
        whispers_own = set(hearing.scores)
        choice = commands.choice(commands.consider(hearing, [sentence] if sentence else []))
        if choice is None:
            return None
        if choice.trusted:
            if grammar_accepted and choice.words == grammar_words:
                return None
            return WhisperVerdict(choice.text, choice.confidence, True, False)
        if grammar_accepted:
            if self._overrules(hearing, choice, grammar_words):
                return WhisperVerdict(choice.text, choice.confidence, True, False)
            named = commands.by_name(hearing, grammar_words)
            if named != grammar_words:
                return WhisperVerdict(" ".join(named), commands.confidence(hearing, named), True, False)
            return None
        agreed = sentence and choice.words == commands.by_name(hearing, sentence) and choice.confidence >= AGREED
        # The start of what the grammar pass heard must be one of Whisper's own sentences: speech
        # that goes on after a command is no command ("she turned the light off and went to sleep").
        if agreed and (complete or choice.words in whispers_own):
            return WhisperVerdict(choice.text, choice.confidence, True, False)
        return None

    def _implausible(self, window: WhisperWindow, grammar_words: tuple[str, ...]) -> bool:
        """Whether the grammar pass's accepted sentence is one Whisper finds all but impossible
        where its own beam came near no command at all (``IMPLAUSIBLE``). Scores the sentence on
        ``self.hearing`` only where Whisper has no candidate of its own."""
        assert self.commands is not None
        if self.hearing is None:
            self.hearing = self.commands.hear(window)
        if self.hearing.scores:
            return False  # Whisper heard a command of its own: the rules below weigh the two
        self.commands.consider(self.hearing, [grammar_words])
        if grammar_words not in self.hearing.scores:
            return False
        confidence = self.commands.confidence(self.hearing, grammar_words)
        if confidence < IMPLAUSIBLE:
            _LOGGER.info("the grammar pass heard %r, which Whisper finds implausible (%.4f): Whisper's free text instead", " ".join(grammar_words), confidence)
            return True
        return False

    def _overrules(self, hearing: Hearing, choice: CommandChoice, grammar_words: tuple[str, ...]) -> bool:
        """Whether Whisper's choice, unsure as it is, replaces the grammar pass's accepted sentence:
        it is that sentence with one word's singular or plural changed and at least
        ``NUMBER_MARGIN`` likelier (Whisper hears the "s" better, see the module doc), or another
        sentence at least ``OVERRULE_MARGIN`` likelier."""
        if self.commands is None or grammar_words not in hearing.scores or choice.words == grammar_words:
            return False
        twins = set(number_variants(self.commands.graph.accepts, grammar_words))
        margin = sum(hearing.scores[choice.words]) - sum(hearing.scores[grammar_words])
        return margin >= (NUMBER_MARGIN if choice.words in twins else OVERRULE_MARGIN)

    def _failed(self, err: Exception) -> None:
        self.failed = True
        _LOGGER.warning("Whisper failed on %.1f s of audio: %s", len(self.pcm) / 32000, err)
