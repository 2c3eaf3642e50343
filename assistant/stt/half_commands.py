"""Half commands the grammar itself can finish: what the grammar pass heard, a sound short or a word long.

The grammar pass's words are the best path through PocketSphinx's word lattice, and that path may
stop short of a sentence of the grammar. Two of those stops are the grammar's own to mend, with no
second decoder (``stt.complete_half_commands`` costs 44 MB) and no guess at a word never heard:

- **A word heard without its ending** (``lost_ending``): "is the front door lock" for "... locked".
  The "t" is the last, quietest sound of the command; in noise it is gone. The command is finished
  when the grammar has exactly one way to end it there with a word that begins with the word heard.
- **A politeness phrase begun on the noise after the command** (``politeness_begun``): "lock the
  front door for" for "lock the front door". The templates' skip phrases ("for me", "would you")
  may follow any command, so after "door" the grammar lets "for" in. In steady noise the hiss
  left once the speaker stops sounds like an "f", and the search spends the last frames of the
  audio on "for" rather than on silence. The cut is taken only where that fragment runs to the
  very end of the audio (nothing after it, not even silence: the recogniser tells); a fragment
  followed by silence held real speech ("how much is a flight to paris" -> "the light to white for").

Measured on the speech bench's recordings as the listener hands them over (session 15, the grammar
pass alone): at 10 dB, 20 recordings ended in a politeness fragment at the end of the audio, 15 of
them the command spoken (7 more, followed by silence, were none of them); on the bench Whisper
corrects the other 5 or overrules them with a sentence no device takes. "is the front door lock"
came 10 times, clean and noisy, all "locked". Of the 440 garbage cases 53 ended in a politeness
fragment, one of them at the end of the audio, with half its speech in garbage phones (refused for
that). The speech bench at 10 dB: 86.2% -> 90.7%, the same
wrong actions and garbage device actions. Finishing a command whose last word is missing
altogether ("turn off the front" -> "... front door", for "turn off the printer") is not done: on
the same recordings it made garbage into commands ("open the fridge" -> "open cover eighty" ->
"... eighty percent").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .grammar import CommandGrammar
from .wordgraph import WordGraph


def finished_command(grammar: CommandGrammar, words: Sequence[str], fragment_ends_audio: bool) -> tuple[str, ...] | None:
    """The command the half command ``words`` is, where the grammar can tell (see the module doc);
    ``fragment_ends_audio``: its last word runs to the end of the audio."""
    finished = lost_ending(grammar.graph, words)
    if finished is None and fragment_ends_audio:
        finished = politeness_begun(grammar.graph, grammar.skip_phrases, words)
    return finished


def lost_ending(graph: WordGraph, words: Sequence[str]) -> tuple[str, ...] | None:
    """``words`` with its last word finished ("lock" -> "locked") where the grammar has exactly
    one word there that begins with it and ends a command; else None."""
    if len(words) < 2:
        return None
    state = graph.state_after(words[:-1])
    if state is None:
        return None
    heard = words[-1]
    endings = [word for word, target in graph.arcs[state] if word != heard and word.startswith(heard) and target in graph.finals]
    return (*words[:-1], endings[0]) if len(endings) == 1 else None


def politeness_begun(graph: WordGraph, skip_phrases: Iterable[Sequence[str]], words: Sequence[str]) -> tuple[str, ...] | None:
    """The command before a skip phrase's first words that end ``words`` ("lock the front door"
    for "lock the front door for", the start of "for me"), or None."""
    begun = {tuple(phrase[:length]) for phrase in skip_phrases for length in range(1, len(phrase))}
    for length in sorted({len(start) for start in begun}, reverse=True):
        command = tuple(words[:-length])
        if len(command) >= 2 and tuple(words[-length:]) in begun and graph.accepts(command):
            return command
    return None
