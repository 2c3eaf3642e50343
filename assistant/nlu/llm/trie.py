"""The answer language compiled to the model's tokens: a small automaton the decoder walks.

Each word of a line (target, action, value) is tokenized once with its leading space, as the
model sees it inside the line. Words become paths of tokens; where a word ends, an empty link
leads to the words that may follow it, and ``final`` marks where the line may end. Value words
are built once per value list and shared (every light's 0..100 brightness is the same subtree).

At any point the decoder asks ``options()``: the tokens allowed next and whether the line may
end. One option means the token is forced: no model call is needed to choose it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from .language import NONE_WORD, OutputLanguage, ValueChoice

Tokenize = Callable[[str], list[int]]


@dataclass(eq=False)
class Node:
    children: dict[int, Node] = field(default_factory=dict)
    links: list[Node] = field(default_factory=list)
    """Where a word ends: the entries of the words that may follow."""
    final: bool = False
    """The line may end here."""

    def add_word(self, tokens: Sequence[int], then: Node) -> None:
        node = self
        for token in tokens:
            node = node.children.setdefault(token, Node())
        node.links.append(then)


@dataclass(frozen=True)
class Position:
    """Where the decoder stands: every node the tokens so far can have reached."""

    nodes: tuple[Node, ...]

    @classmethod
    def of(cls, nodes: Iterable[Node]) -> Position:
        seen: dict[int, Node] = {}
        stack = list(nodes)
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen[id(node)] = node
            stack.extend(node.links)
        return cls(tuple(seen.values()))

    def tokens(self) -> list[int]:
        found: dict[int, None] = {}
        for node in self.nodes:
            found.update(dict.fromkeys(node.children))
        return list(found)

    @property
    def can_end(self) -> bool:
        return any(node.final for node in self.nodes)

    def step(self, token: int) -> Position:
        reached = [node.children[token] for node in self.nodes if token in node.children]
        if not reached:
            raise ValueError(f"token {token} is not allowed here")
        return Position.of(reached)


@dataclass(frozen=True)
class TokenTrie:
    root: Node
    depth: int
    """The most tokens any line takes (for sizing the context)."""

    def start(self) -> Position:
        return Position.of([self.root])

    def accepts(self, tokens: Sequence[int]) -> bool:
        position = self.start()
        try:
            for token in tokens:
                position = position.step(token)
        except ValueError:
            return False
        return position.can_end


def compile_trie(language: OutputLanguage, tokenize: Tokenize) -> TokenTrie:
    """Tokens of every line the language allows; ``tokenize(" word")`` gives a word's tokens."""
    cache: dict[str, list[int]] = {}

    def tokens(word: str) -> list[int]:
        if word not in cache:
            cache[word] = tokenize(" " + word)
        return cache[word]

    end = Node(final=True)
    value_entries: dict[tuple[tuple[str, tuple[str, ...], bool], ...], Node] = {}

    def values_entry(values: tuple[ValueChoice, ...]) -> Node:
        key = tuple((choice.slot, tuple(choice.words), choice.optional) for choice in values)
        if key in value_entries:
            return value_entries[key]
        if not values:
            return end
        rest = values_entry(values[1:])
        entry = Node()
        for word in values[0].words:
            entry.add_word(tokens(word), rest)
        if values[0].optional:
            entry.links.append(rest)
        value_entries[key] = entry
        return entry

    root = Node()
    root.add_word(tokens(NONE_WORD), end)
    for target in language.targets:
        after_target = Node()
        root.add_word(tokens(target.word), after_target)
        for verb in target.verbs:
            after_target.add_word(tokens(verb.word), values_entry(verb.values))
    return TokenTrie(root, _depth(root, {}))


def _depth(node: Node, memo: dict[int, int]) -> int:
    if id(node) not in memo:
        deepest = 0
        for child in node.children.values():
            deepest = max(deepest, 1 + _depth(child, memo))
        for linked in node.links:
            deepest = max(deepest, _depth(linked, memo))
        memo[id(node)] = deepest
    return memo[id(node)]
