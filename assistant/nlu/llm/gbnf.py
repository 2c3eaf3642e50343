"""The answer language as a llama.cpp GBNF grammar.

The recogniser decodes with a token trie compiled from the same OutputLanguage (trie.py), which
is faster; this grammar is the same language for llama.cpp's own grammar sampler: it is what
``create_completion(grammar=...)`` uses in the benchmark's comparison, what other llama.cpp
front-ends can use, and the tests check that both accept exactly the same lines.
"""

from __future__ import annotations

import ctypes
import math
from typing import Any

from .language import NONE_WORD, OutputLanguage, ValueChoice


def _literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_gbnf(language: OutputLanguage) -> str:
    """``root ::= " " ( "none" | <target> " " <action> (" " <value>)* ) "\\n"`` with only what exists.

    The leading space is the one the model writes after ``Action:``; requiring it keeps the model's
    own tokenization (`` kitchen`` rather than ``kitchen``).
    """
    rules: list[str] = []
    word_rules: dict[tuple[str, ...], str] = {}

    def words_rule(choice: ValueChoice) -> str:
        key = tuple(choice.words)
        if key not in word_rules:
            name = f"values-{len(word_rules)}"
            word_rules[key] = name
            rules.append(f"{name} ::= " + " | ".join(_literal(word) for word in key))
        return word_rules[key]

    alternatives = [_literal(NONE_WORD)]
    for index, target in enumerate(language.targets):
        name = f"target-{index}"
        actions = []
        for verb in target.verbs:
            parts = [_literal(verb.word)]
            for choice in verb.values:
                part = f'" " {words_rule(choice)}'
                parts.append(f"({part})?" if choice.optional else part)
            actions.append(" ".join(parts))
        rules.append(f"{name} ::= {_literal(target.word + ' ')} ( " + " | ".join(actions) + " )")
        alternatives.append(name)
    root = 'root ::= " " ( ' + " | ".join(alternatives) + ' ) "\\n"'
    return "\n".join([root, *rules]) + "\n"


def gbnf_accepts(llama: Any, grammar: str, text: str) -> bool:
    """Whether llama.cpp's grammar sampler lets the model write ``text`` (its tokens, one by one)."""
    import llama_cpp

    vocab = llama_cpp.llama_model_get_vocab(llama.model)
    sampler = llama_cpp.llama_sampler_init_grammar(vocab, grammar.encode("utf-8"), b"root")
    if not sampler:
        raise ValueError("llama.cpp could not parse the grammar")
    try:
        for token in llama.tokenize(text.encode("utf-8"), add_bos=False, special=False):
            candidate = (llama_cpp.llama_token_data * 1)(llama_cpp.llama_token_data(token, 0.0, 0.0))
            array = llama_cpp.llama_token_data_array(candidate, 1, -1, False)
            llama_cpp.llama_sampler_apply(sampler, ctypes.byref(array))
            if math.isinf(candidate[0].logit):
                return False
            llama_cpp.llama_sampler_accept(sampler, token)
        return True
    finally:
        llama_cpp.llama_sampler_free(sampler)
