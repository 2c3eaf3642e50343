"""Compile the intent templates and the home's vocabulary into a speech grammar.

The recogniser should only hear what the assistant can act on. The hassil templates
(``intents/*.yaml``) with the registry's lists (device names, aliases, areas, type words) and the
templates' own lists (colours, drinks, number ranges) are turned into

- a JSGF grammar for PocketSphinx: one rule per list and per expansion rule, lists factored as a
  prefix tree so the search stays small ("twenty [one | two | ...]" instead of 100 alternatives);
- a phrase list for Vosk's runtime grammar: sample sentences that use every alternative and every
  list value at least once (Vosk builds a bigram model from them).

Template syntax that cannot be spoken through a grammar (wildcard lists) is left out and reported;
the open-vocabulary pass covers it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import permutations, product

from hassil import (
    Alternative,
    Expression,
    Intents,
    ListReference,
    Permutation,
    RangeSlotList,
    RuleReference,
    Sentence,
    Sequence,
    SlotList,
    TextChunk,
    TextSlotList,
    WildcardSlotList,
)
from hassil.intents import IntentData

from .numbers import MAX_SPOKEN_NUMBER, number_words
from .wordgraph import Nfa, WordGraph

_LOGGER = logging.getLogger(__name__)

_NOT_WORD = re.compile(r"[^\w']+")
_DIGITS = re.compile(r"^[0-9]+$")
_DIGIT_LETTER = re.compile(r"([0-9])([^\W\d_])")
_LETTER_DIGIT = re.compile(r"([^\W\d_])([0-9])")
_DECIMAL = re.compile(r"(?<![0-9.])[0-9]+\.[0-9]+(?![0-9.])")
_MAX_GLUE_STRINGS = 64
_MAX_SAMPLES_PER_TEMPLATE = 500


class GrammarError(ValueError):
    """The templates cannot be turned into a grammar (names the template)."""


# --- a small expression tree with words as leaves ------------------------------------------


@dataclass(frozen=True)
class _Text:
    raw: str


@dataclass(frozen=True)
class _Seq:
    items: tuple[_Node, ...]


@dataclass(frozen=True)
class _Alt:
    items: tuple[_Node, ...]
    optional: bool = False


@dataclass(frozen=True)
class _Ref:
    rule: str


_Node = _Text | _Seq | _Alt | _Ref


class _Wildcard(Exception):
    """A template refers to a wildcard list: it cannot be part of a grammar."""


def tokenize(text: str) -> tuple[str, ...]:
    """Words as the recogniser spells them: lower case, "%" -> percent, digits -> number words."""
    text = _DECIMAL.sub(lambda match: " " + " ".join(number_words(float(match.group(0)))) + " ", text)
    text = text.lower().replace("%", " percent ").replace("&", " and ")
    text = text.replace("-", " ").replace("_", " ").replace("’", "'")
    text = _DIGIT_LETTER.sub(r"\1 \2", _LETTER_DIGIT.sub(r"\1 \2", text))
    words: list[str] = []
    for token in _NOT_WORD.sub(" ", text).split():
        token = token.strip("'")
        if not token:
            continue
        if _DIGITS.match(token) and int(token) <= MAX_SPOKEN_NUMBER:
            words.extend(number_words(int(token)))
        else:
            words.append(token)
    return tuple(words)


def _starts_glued(node: _Node) -> bool:
    """True when the node's first character can be a letter joined to the word before it."""
    if isinstance(node, _Text):
        return bool(node.raw) and not node.raw[0].isspace()
    if isinstance(node, _Seq):
        for item in node.items:
            if isinstance(item, _Text) and not item.raw:
                continue
            return _starts_glued(item)
        return False
    if isinstance(node, _Alt):
        return any(_starts_glued(item) for item in node.items)
    return False


def _ends_glued(node: _Node) -> bool:
    if isinstance(node, _Text):
        return bool(node.raw) and not node.raw[-1].isspace()
    if isinstance(node, _Seq):
        for item in reversed(node.items):
            if isinstance(item, _Text) and not item.raw:
                continue
            return _ends_glued(item)
        return False
    if isinstance(node, _Alt):
        return any(_ends_glued(item) for item in node.items)
    return False


def _strings(node: _Node, limit: int = _MAX_GLUE_STRINGS) -> set[str] | None:
    """Every raw string a small node can produce, or None when it is large or refers to a list."""
    if isinstance(node, _Text):
        return {node.raw}
    if isinstance(node, _Alt):
        result: set[str] = {""} if node.optional else set()
        for item in node.items:
            strings = _strings(item, limit)
            if strings is None:
                return None
            result |= strings
        return result if len(result) <= limit else None
    if isinstance(node, _Seq):
        result = {""}
        for item in node.items:
            strings = _strings(item, limit)
            if strings is None:
                return None
            result = {left + right for left in result for right in strings}
            if len(result) > limit:
                return None
        return result
    return None


def _glue(items: Iterable[_Node]) -> tuple[_Node, ...]:
    """Join pieces of one word ("light[s]" -> light | lights) so every leaf holds whole words."""
    glued: list[_Node] = []
    for item in items:
        if glued and _ends_glued(glued[-1]) and _starts_glued(item):
            left, right = _strings(glued[-1]), _strings(item)
            if left is not None and right is not None:
                joined = sorted({a + b for a, b in product(left, right)})
                glued[-1] = _Alt(tuple(_Text(text) for text in joined))
                continue
            _LOGGER.warning("template joins a word across a large group; treating the parts as separate words")
        glued.append(item)
    return tuple(glued)


# --- hassil expressions -> tree ----------------------------------------------------------------


@dataclass
class _Scope:
    """Where names resolve: one intent data block, or the whole intents file set."""

    intents: Intents
    slot_lists: Mapping[str, SlotList]
    data: IntentData | None = None
    prefix: str = ""


@dataclass
class _Compiler:
    intents: Intents
    slot_lists: Mapping[str, SlotList]
    rules: dict[str, _Node] = field(default_factory=dict)
    rule_order: list[str] = field(default_factory=list)
    local_counter: int = 0

    def convert(self, expression: Expression, scope: _Scope) -> _Node:
        if isinstance(expression, TextChunk):
            return _Text(expression.original_text or expression.text)
        if isinstance(expression, Alternative):
            return _Alt(tuple(self.convert(item, scope) for item in expression.items), expression.is_optional)
        if isinstance(expression, Permutation):
            orders = [
                _Seq(_glue(self.convert(item, scope) for item in order))
                for order in permutations(expression.items)
            ]
            return _Alt(tuple(orders))
        if isinstance(expression, Sequence):
            return _Seq(_glue(self.convert(item, scope) for item in expression.items))
        if isinstance(expression, ListReference):
            return _Ref(self.list_rule(expression.list_name, scope))
        if isinstance(expression, RuleReference):
            return _Ref(self.expansion_rule(expression.rule_name, scope))
        raise GrammarError(f"unsupported template element {type(expression).__name__}")

    def _define(self, name: str, build: Iterator[_Node] | None = None, node: _Node | None = None) -> str:
        if name in self.rules:
            return name
        self.rules[name] = _Text("")  # placeholder against recursion
        if node is None:
            assert build is not None
            node = next(build)
        self.rules[name] = node
        self.rule_order.append(name)
        return name

    def list_rule(self, list_name: str, scope: _Scope) -> str:
        local = scope.data.slot_lists.get(list_name) if scope.data is not None else None
        slot_list = local or self.slot_lists.get(list_name) or self.intents.slot_lists.get(list_name)
        if slot_list is None:
            raise GrammarError(f"unknown list {{{list_name}}}")
        if isinstance(slot_list, WildcardSlotList):
            raise _Wildcard(list_name)
        rule = f"{scope.prefix if local else ''}list_{_rule_id(list_name)}"
        if rule in self.rules:
            return rule
        return self._define(rule, node=self._list_node(slot_list, scope))

    def _list_node(self, slot_list: SlotList, scope: _Scope) -> _Node:
        phrases: list[tuple[str, ...]] = []
        templates: list[_Node] = []
        if isinstance(slot_list, RangeSlotList):
            for number in slot_list.get_numbers():
                phrases.append(number_words(number))
        elif isinstance(slot_list, TextSlotList):
            for value in slot_list.values:
                if isinstance(value.text_in, TextChunk):
                    words = tokenize(value.text_in.text)
                    if words:
                        phrases.append(words)
                else:
                    templates.append(self.convert(value.text_in, scope))
        else:
            raise GrammarError(f"unsupported list type {type(slot_list).__name__}")
        tree = _prefix_tree(phrases)
        if templates:
            return _Alt((tree, *templates)) if phrases else _Alt(tuple(templates))
        return tree

    def expansion_rule(self, rule_name: str, scope: _Scope) -> str:
        local = scope.data.expansion_rules.get(rule_name) if scope.data is not None else None
        sentence: Sentence | None = local or self.intents.expansion_rules.get(rule_name)
        if sentence is None:
            raise GrammarError(f"unknown expansion rule <{rule_name}>")
        rule = f"{scope.prefix if local else ''}rule_{_rule_id(rule_name)}"
        if rule in self.rules:
            return rule
        rule_scope = scope if local else _Scope(scope.intents, scope.slot_lists)
        return self._define(rule, node=self.convert(sentence.expression, rule_scope))


def _rule_id(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def _prefix_tree(phrases: Iterable[tuple[str, ...]]) -> _Node:
    """Phrases as a prefix tree: ("twenty",), ("twenty","one") -> twenty [one]."""
    root: dict[str, dict] = {}
    end = ""  # marks "a phrase ends here" inside a node's children
    for words in phrases:
        node = root
        for word in words:
            node = node.setdefault(word, {})
        node[end] = {}

    def render(children: dict[str, dict]) -> _Node:
        alternatives: list[_Node] = []
        for word, grandchildren in children.items():
            if word == end:
                continue
            rest = render(grandchildren)
            alternatives.append(_Seq((_Text(word + " "), rest)) if _has_words(rest) else _Text(word + " "))
        return _Alt(tuple(alternatives), optional=end in children)

    return render(root)


def _has_words(node: _Node) -> bool:
    if isinstance(node, _Text):
        return bool(tokenize(node.raw))
    if isinstance(node, _Ref):
        return True
    return any(_has_words(item) for item in node.items)


# --- rendering -------------------------------------------------------------------------------


def _render(node: _Node) -> str:
    """JSGF text for a node; "" when it can only be empty."""
    if isinstance(node, _Text):
        return " ".join(tokenize(node.raw))
    if isinstance(node, _Ref):
        return f"<{node.rule}>"
    if isinstance(node, _Seq):
        return " ".join(part for part in (_render(item) for item in node.items) if part)
    rendered: list[str] = []
    optional = node.optional
    for item in node.items:
        text = _render(item)
        if not text:
            optional = True
        elif text not in rendered:
            rendered.append(text)
    if not rendered:
        return ""
    body = " | ".join(rendered)
    if optional:
        return f"[ {body} ]"
    return body if len(rendered) == 1 else f"( {body} )"


def _words(node: _Node, rules: Mapping[str, _Node], seen: set[str]) -> Iterator[str]:
    if isinstance(node, _Text):
        yield from tokenize(node.raw)
    elif isinstance(node, _Ref):
        if node.rule not in seen:
            seen.add(node.rule)
            yield from _words(rules[node.rule], rules, seen)
    else:
        for item in node.items:
            yield from _words(item, rules, seen)


def _build(node: _Node, rules: Mapping[str, _Node], nfa: Nfa, start: int, depth: int = 0) -> int:
    """Add ``node`` to the automaton from ``start``; returns the state where it ends."""
    if depth > 64:
        raise GrammarError("expansion rules refer to each other in a loop")
    if isinstance(node, _Text):
        state = start
        for word in tokenize(node.raw):
            state = nfa.word(state, word)
        return state
    if isinstance(node, _Ref):
        return _build(rules[node.rule], rules, nfa, start, depth + 1)
    if isinstance(node, _Seq):
        state = start
        for item in node.items:
            state = _build(item, rules, nfa, state, depth + 1)
        return state
    end = nfa.new_state()
    for item in node.items:
        nfa.link(_build(item, rules, nfa, start, depth + 1), end)
    if node.optional:
        nfa.link(start, end)
    return end


class _Sampler:
    """Sentences that together use every branch of every choice at least once.

    Each choice point takes a branch it has not used yet, else the next in turn; a sentence
    template is sampled until a sample uses nothing new.
    """

    def __init__(self, rules: Mapping[str, _Node]) -> None:
        self.rules = rules
        self.used: dict[int, set[int]] = {}
        self.turn: dict[int, int] = {}

    def sample(self, node: _Node, depth: int = 0) -> tuple[tuple[str, ...], bool]:
        if depth > 64:
            raise GrammarError("expansion rules refer to each other in a loop")
        if isinstance(node, _Text):
            return tokenize(node.raw), False
        if isinstance(node, _Ref):
            return self.sample(self.rules[node.rule], depth + 1)
        if isinstance(node, _Seq):
            words: list[str] = []
            new = False
            for item in node.items:
                item_words, item_new = self.sample(item, depth + 1)
                words.extend(item_words)
                new = new or item_new
            return tuple(words), new
        choices = len(node.items) + (1 if node.optional else 0)
        used = self.used.setdefault(id(node), set())
        unused = [index for index in range(choices) if index not in used]
        if unused:
            pick = unused[0]
        else:
            pick = self.turn.get(id(node), 0) % choices
            self.turn[id(node)] = pick + 1
        used.add(pick)
        if pick >= len(node.items):
            return (), bool(unused)
        words_picked, new = self.sample(node.items[pick], depth + 1)
        return words_picked, new or bool(unused)


# --- the result ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommandGrammar:
    """What the recogniser may hear, derived from the templates and the home."""

    jsgf: str
    """A JSGF grammar whose public rule <command> accepts every command (PocketSphinx)."""
    words: frozenset[str]
    """Every word the grammar can produce (each needs a pronunciation)."""
    phrases: tuple[str, ...]
    """Sentences covering every alternative and list value (Vosk's runtime grammar)."""
    intents: tuple[str, ...]
    graph: WordGraph
    """The same language as a minimal deterministic word graph (what PocketSphinx searches)."""
    left_out: tuple[str, ...] = ()
    """Templates that a grammar cannot express (wildcards), as "Intent: template"."""
    decoy_words: frozenset[str] = frozenset()
    """First words of decoys (decoys.py): each state gives them together the weight of one choice."""
    skip_phrases: tuple[tuple[str, ...], ...] = ()
    """The templates' skip phrases ("for me", "would you") as words: any command may start or end with one."""


def compile_grammar(
    intents: Intents,
    slot_lists: Mapping[str, SlotList] | None = None,
    *,
    skip_words: Iterable[str] | None = None,
    name: str = "commands",
) -> CommandGrammar:
    """Build the grammar of every sentence the templates accept, with these slot lists."""
    lists = dict(slot_lists or {})
    compiler = _Compiler(intents, lists)
    intent_nodes: dict[str, _Node] = {}
    left_out: list[str] = []
    for intent_name, intent in intents.intents.items():
        sentences: list[_Node] = []
        for data_index, data in enumerate(intent.data):
            scope = _Scope(intents, lists, data, prefix=f"{_rule_id(intent_name)}_{data_index}_")
            for sentence in data.sentences:
                try:
                    sentences.append(compiler.convert(sentence.expression, scope))
                except _Wildcard as wildcard:
                    left_out.append(f"{intent_name}: {sentence.text or ''} (wildcard list {{{wildcard}}})")
        if sentences:
            intent_nodes[intent_name] = _Alt(tuple(sentences))
    if not intent_nodes:
        raise GrammarError("no template can be expressed as a grammar")
    for note in left_out:
        _LOGGER.info("left out of the speech grammar: %s", note)

    rules = dict(compiler.rules)
    skip = tuple(skip_words if skip_words is not None else intents.skip_words)
    skip_phrases = [tokenize(word) for word in skip]
    skip_node = _prefix_tree(phrase for phrase in skip_phrases if phrase)
    lines = ["#JSGF V1.0;", f"grammar {_rule_id(name)};", ""]
    intent_rules = []
    for intent_name, node in intent_nodes.items():
        rule = f"intent_{_rule_id(intent_name)}"
        rules[rule] = node
        intent_rules.append(rule)
    command_parts = " | ".join(f"<{rule}>" for rule in intent_rules)
    skip_text = _render(skip_node)
    if skip_text:
        rules["skip"] = skip_node
        lines.append(f"public <command> = [ <skip> ] ( {command_parts} ) [ <skip> ];")
    else:
        lines.append(f"public <command> = ( {command_parts} );")
    for rule in [*intent_rules, *compiler.rule_order, *(["skip"] if skip_text else [])]:
        body = _render(rules[rule])
        if not body:
            body = "<NULL>"
        elif body.startswith("[") and body.endswith("]") and _balanced(body[1:-1]):
            # A rule that may be empty: JSGF has <NULL> for that.
            body = f"( {body[1:-1].strip()} | <NULL> )"
        lines.append(f"<{rule}> = {body};")
    jsgf = "\n".join(lines) + "\n"

    seen: set[str] = set()
    words = {word for node in intent_nodes.values() for word in _words(node, rules, seen)}
    words |= {word for phrase in skip_phrases for word in phrase}
    phrases = _covering_phrases(intent_nodes, rules)
    nfa = Nfa()
    command = _Seq((_Alt((skip_node,), optional=True), _Alt(tuple(intent_nodes.values())), _Alt((skip_node,), optional=True)))
    end = _build(command, rules, nfa, 0)
    graph = nfa.determinize(0, end)
    return CommandGrammar(
        jsgf=jsgf,
        words=frozenset(words),
        phrases=phrases,
        intents=tuple(intent_nodes),
        graph=graph,
        left_out=tuple(left_out),
        skip_phrases=tuple(tuple(phrase) for phrase in skip_phrases if phrase),
    )


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def _covering_phrases(intent_nodes: Mapping[str, _Node], rules: Mapping[str, _Node]) -> tuple[str, ...]:
    sampler = _Sampler(rules)
    phrases: dict[str, None] = {}
    for node in intent_nodes.values():
        assert isinstance(node, _Alt)
        for sentence in node.items:
            for _ in range(_MAX_SAMPLES_PER_TEMPLATE):
                words, new = sampler.sample(sentence)
                if words:
                    phrases[" ".join(words)] = None
                if not new:
                    break
    return tuple(phrases)
