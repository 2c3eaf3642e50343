"""Examples as the recogniser feeds them to the model: token ids, and the choices the decoder makes.

The prompt prefix is the recogniser's own (``build_prompt``); a command is ``Prompt.command(text)``
tokenized on its own, as the decoder does; the answer is tokenized word by word with a leading
space, as the decoder's token trie does. Several commands of one home share one prefix in a
packed sequence (each after the other, like the prompt's examples), so the long prefix is paid
once for many supervised answers.

Training uses the decoder's own objective: at each decision the model's scores over the tokens the
grammar allows there (plus "end of line") are normalised and the right one is rewarded. Tokens the
grammar forces cost nothing, at inference and in training.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..errors import ModelError
from ..nlu.llm.prompt import Prompt, build_prompt
from ..nlu.llm.trie import TokenTrie, compile_trie
from .generator import Example
from .homes import Home

Tokenize = Callable[[str, bool], list[int]]
END = -1
"""Marks "end of line" among a decision's options."""


@dataclass(frozen=True)
class Decision:
    position: int
    """Index in the sequence whose output scores the choice."""
    options: tuple[int, ...]
    """Allowed token ids; END stands for "end of line"."""
    answer: int
    """Index into options."""


@dataclass(frozen=True)
class Packed:
    """One training sequence: a home's prompt prefix followed by several commands and their answers."""

    tokens: tuple[int, ...]
    decisions: tuple[Decision, ...]
    home: int
    commands: int


@dataclass(frozen=True)
class Tokenizer:
    """The model's own tokenizer (llama.cpp, vocabulary only): the ids the decoder will see."""

    tokenize: Tokenize
    end_tokens: tuple[int, ...]
    separator: tuple[int, ...]

    @classmethod
    def load(cls, model_path: str) -> Tokenizer:
        try:
            from llama_cpp import Llama
        except ImportError as err:
            raise ModelError("training needs llama-cpp-python for the model's tokenizer") from err
        llama = Llama(model_path=model_path, vocab_only=True, verbose=False)

        def tokenize(text: str, bos: bool) -> list[int]:
            return list(llama.tokenize(text.encode("utf-8"), add_bos=bos, special=False))

        ends = tuple(t[0] for t in (tokenize("\n", False), tokenize("\n\n", False)) if len(t) == 1)
        if not ends:
            raise ModelError("the model's vocabulary has no newline token")
        return cls(tokenize, ends, tuple(tokenize("\n\n", False)))


class HomeEncoder:
    """Turns one home's examples into token ids and decisions, with the home's prompt and trie."""

    def __init__(self, home: Home, tokenizer: Tokenizer, examples_per_intent: int, seed: int) -> None:
        self.home = home
        self.tokenizer = tokenizer
        self.prompt = build_prompt(home.language, home.templates, examples_per_intent, seed)
        self.prefix = tokenizer.tokenize(self.prompt.prefix, True)
        self._words: dict[str, list[int]] = {}
        self.trie: TokenTrie = compile_trie(home.language, self._word_tokens_plain)

    def _word_tokens_plain(self, text: str) -> list[int]:
        return self.tokenizer.tokenize(text, False)

    def _word(self, word: str) -> list[int]:
        if word not in self._words:
            self._words[word] = self.tokenizer.tokenize(" " + word, False)
        return self._words[word]

    def answer_tokens(self, line: str) -> list[int]:
        tokens = [token for word in line.split() for token in self._word(word)]
        if not self.trie.accepts(tokens):
            raise ValueError(f"answer {line!r} is outside the home's answer language")
        return tokens

    def pack(self, examples: Sequence[Example], home_index: int) -> Packed:
        tokens = list(self.prefix)
        decisions: list[Decision] = []
        for example in examples:
            command = self.tokenizer.tokenize(Prompt.command(" ".join(example.text.split())), False)
            answer = self.answer_tokens(example.line)
            tokens.extend(command)
            position = self.trie.start()
            for token in [*answer, END]:
                options = position.tokens()
                choices = tuple(options) + ((END,) if position.can_end else ())
                if len(choices) > 1:
                    decisions.append(Decision(len(tokens) - 1, choices, choices.index(token)))
                if token == END:
                    break
                tokens.append(token)
                position = position.step(token)
            tokens.extend(self.tokenizer.separator)
        return Packed(tuple(tokens), tuple(decisions), home_index, len(examples))


def pack_home(
    encoder: HomeEncoder, examples: Sequence[Example], per_sequence: int, home_index: int, rng: random.Random
) -> list[Packed]:
    shuffled = list(examples)
    rng.shuffle(shuffled)
    return [
        encoder.pack(shuffled[start : start + per_sequence], home_index)
        for start in range(0, len(shuffled), per_sequence)
        if shuffled[start : start + per_sequence]
    ]
