"""A grammar as a minimal deterministic word graph: what keeps the PocketSphinx search small.

PocketSphinx expands a JSGF grammar as written: every reference to ``<device>`` gets its own copy
of the device names, so after "set the" ten copies of the same names compete in the search (a
real-time factor near 1 on this grammar). Determinizing merges the copies (one state per distinct
history) and minimizing merges equal endings ("... percent"). The language is unchanged.

The graph is acyclic (templates have no loops), so subset construction terminates and
minimization is a bottom-up merge of states with the same outgoing words and targets.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

Arc = tuple[str, int]
"""(word, target state)"""


@dataclass(frozen=True)
class WordGraph:
    """A deterministic acyclic automaton over words; state 0 is the start."""

    arcs: tuple[tuple[Arc, ...], ...]
    """Outgoing arcs of each state, sorted by word."""
    finals: frozenset[int]

    @property
    def num_states(self) -> int:
        return len(self.arcs)

    @property
    def num_arcs(self) -> int:
        return sum(len(arcs) for arcs in self.arcs)

    def accepts(self, words: Iterable[str]) -> bool:
        state = self.state_after(words)
        return state is not None and state in self.finals

    def state_after(self, words: Iterable[str]) -> int | None:
        """The state ``words`` lead to from the start, or None where the graph has no such path."""
        state = 0
        for word in words:
            for arc_word, target in self.arcs[state]:
                if arc_word == word:
                    state = target
                    break
            else:
                return None
        return state

    def fsg_transitions(
        self, rare_words: frozenset[str] = frozenset(), rare_share: float = 1.0
    ) -> tuple[int, int, list[tuple[int, int, float, str] | tuple[int, int, float]]]:
        """(start, final, transitions) for PocketSphinx's ``create_fsg``.

        PocketSphinx wants one final state: each accepting state gets an empty transition to it.
        Each state's choices are equally likely, except ``rare_words`` (decoys): at a state, they
        share ``rare_share`` of one choice between them, so adding fifty of them does not make the
        home's own words there fifty times less likely.
        """
        final = self.num_states
        transitions: list[tuple[int, int, float, str] | tuple[int, int, float]] = []
        for state, arcs in enumerate(self.arcs):
            rare = sum(1 for word, _ in arcs if word in rare_words)
            common = len(arcs) - rare + (1 if state in self.finals else 0)
            total = common + (rare_share if rare else 0.0)
            if total == 0:
                continue
            for word, target in arcs:
                weight = rare_share / rare if word in rare_words else 1.0
                transitions.append((state, target, weight / total, word))
            if state in self.finals:
                transitions.append((state, final, 1.0 / total))
        return 0, final, transitions


class Nfa:
    """A word automaton with empty moves, built piece by piece by the grammar compiler."""

    def __init__(self) -> None:
        self.words: list[list[Arc]] = [[]]
        self.empty: list[list[int]] = [[]]

    def new_state(self) -> int:
        self.words.append([])
        self.empty.append([])
        return len(self.words) - 1

    def word(self, source: int, word: str) -> int:
        target = self.new_state()
        self.words[source].append((word, target))
        return target

    def link(self, source: int, target: int) -> None:
        self.empty[source].append(target)

    def closure(self, states: Iterable[int]) -> frozenset[int]:
        seen = set(states)
        stack = list(seen)
        while stack:
            state = stack.pop()
            for target in self.empty[state]:
                if target not in seen:
                    seen.add(target)
                    stack.append(target)
        return frozenset(seen)

    def determinize(self, start: int, final: int, max_states: int = 200_000) -> WordGraph:
        """Subset construction, then minimization."""
        first = self.closure([start])
        index: dict[frozenset[int], int] = {first: 0}
        subsets = [first]
        arcs: list[list[Arc]] = []
        position = 0
        while position < len(subsets):
            subset = subsets[position]
            moves: dict[str, set[int]] = defaultdict(set)
            for state in subset:
                for word, next_state in self.words[state]:
                    moves[word].add(next_state)
            state_arcs: list[Arc] = []
            for word in sorted(moves):
                target_set = self.closure(moves[word])
                known = index.get(target_set)
                if known is None:
                    known = len(subsets)
                    if known >= max_states:
                        raise ValueError(f"the grammar needs more than {max_states} states")
                    index[target_set] = known
                    subsets.append(target_set)
                state_arcs.append((word, known))
            arcs.append(state_arcs)
            position += 1
        finals = {number for number, subset in enumerate(subsets) if final in subset}
        return minimize(arcs, finals)


def minimize(arcs: list[list[Arc]], finals: set[int]) -> WordGraph:
    """Merge states that accept the same word sequences (exact for acyclic automata)."""
    signature_of: dict[tuple[object, ...], int] = {}
    representative: dict[int, int] = {}

    def visit(state: int) -> int:
        known = representative.get(state)
        if known is not None:
            return known
        signature = (state in finals, tuple((word, visit(target)) for word, target in arcs[state]))
        number = signature_of.setdefault(signature, len(signature_of))
        representative[state] = number
        return number

    _visit_iteratively(arcs, representative, visit)
    start = visit(0)
    # Renumber so the start state is 0, in breadth-first order.
    classes: dict[int, tuple[bool, tuple[Arc, ...]]] = {}
    for signature, number in signature_of.items():
        is_final, class_arcs = signature
        classes[number] = (bool(is_final), tuple(class_arcs))  # type: ignore[arg-type]
    order = {start: 0}
    queue = [start]
    while queue:
        current = queue.pop(0)
        for _, target in classes[current][1]:
            if target not in order:
                order[target] = len(order)
                queue.append(target)
    new_arcs: list[tuple[Arc, ...]] = [()] * len(order)
    new_finals = set()
    for old, new in order.items():
        is_final, class_arcs = classes[old]
        new_arcs[new] = tuple((word, order[target]) for word, target in class_arcs)
        if is_final:
            new_finals.add(new)
    return WordGraph(tuple(new_arcs), frozenset(new_finals))


def _visit_iteratively(
    arcs: list[list[Arc]], representative: Mapping[int, int], visit: Callable[[int], int]
) -> None:
    """Visit states deepest first so ``visit`` never recurses deeply (long sentences, big lists)."""
    order: list[int] = []
    seen: set[int] = set()
    stack: list[tuple[int, bool]] = [(0, False)]
    while stack:
        state, expanded = stack.pop()
        if expanded:
            order.append(state)
            continue
        if state in seen:
            continue
        seen.add(state)
        stack.append((state, True))
        for _, target in arcs[state]:
            if target not in seen:
                stack.append((target, False))
    for state in order:
        if state not in representative:
            visit(state)


def nearest_sentence(graph: WordGraph, words: Sequence[str], max_cost: float) -> tuple[tuple[str, ...], float] | None:
    """The sentence of ``graph`` closest to ``words``, and its cost, when it costs at most ``max_cost``.

    The cost is a word edit distance: a word left out or added costs 1, a word replaced by another
    costs what their spellings differ (1 - difflib's ratio: "of" for "off" 0.2, "like" for "light"
    0.56, "the" for "a" 1), so a sentence the Whisper pass nearly heard ("turn of the kitchen
    light") finds the command it nearly is ("turn off the kitchen light"). Spelling is all it
    knows: "like" is nearer "lock" than "light", which is why Whisper itself then scores the
    candidates (whisper_commands.py). A uniform-cost search over (state,
    words read) pairs: it stops at the first complete sentence, and looks no further than
    ``max_cost``, so a sentence near no command costs little to refuse.
    """
    count = len(words)
    replace_cost: dict[tuple[str, str], float] = {}

    def replaced(word: str, heard: str) -> float:
        cost = replace_cost.get((word, heard))
        if cost is None:
            cost = 0.0 if word == heard else 1.0 - SequenceMatcher(None, word, heard).ratio()
            replace_cost[(word, heard)] = cost
        return cost

    best: dict[tuple[int, int], float] = {(0, 0): 0.0}
    came_from: dict[tuple[int, int], tuple[tuple[int, int], str | None]] = {}
    frontier: list[tuple[float, int, int]] = [(0.0, 0, 0)]
    while frontier:
        cost, state, read = heapq.heappop(frontier)
        if cost > best[(state, read)]:
            continue
        if read == count and state in graph.finals:
            sentence: list[str] = []
            node = (state, read)
            while node in came_from:
                node, word = came_from[node]
                if word is not None:
                    sentence.append(word)
            return tuple(reversed(sentence)), cost
        moves: list[tuple[float, int, int, str | None]] = []
        if read < count:
            moves.append((cost + 1.0, state, read + 1, None))  # a heard word the sentence lacks
        for word, target in graph.arcs[state]:
            moves.append((cost + 1.0, target, read, word))  # a sentence word not heard
            if read < count:
                moves.append((cost + replaced(word, words[read]), target, read + 1, word))
        for next_cost, next_state, next_read, word in moves:
            if next_cost <= max_cost and next_cost < best.get((next_state, next_read), math.inf):
                best[(next_state, next_read)] = next_cost
                came_from[(next_state, next_read)] = ((state, read), word)
                heapq.heappush(frontier, (next_cost, next_state, next_read))
    return None
