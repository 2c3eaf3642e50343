"""The live assistant: microphone -> wake word -> end of speech -> recognition -> intents -> MQTT -> reply.

Three threads, joined by bounded hand-overs so that capture never waits for a slow stage:

    capture  source.frames() -> FrameBuffer (drops the oldest when full), WATCHDOG=1 per second
    ears     FrameBuffer -> Listener (wake, end of speech, recognition) -> Heard -> worker
    worker   Heard -> Assistant.handle_text -> MQTT -> Presence -> Speaker (cancellable)

While a reply is spoken the ears keep listening for the wake word: saying it interrupts the reply
(barge-in). A reply that asks something ("Which one?") is followed by listening without the wake
word for the dialogue window. SIGHUP rebuilds everything built from the config; a broken config
is refused with its errors and the running one stays.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Protocol

from ..audio.frames import FRAME_SECONDS
from ..audio.settings import vad_settings, wake_settings
from ..audio.source import AudioSource
from ..audio.vad import make_detector
from ..audio.wake import KeywordSpotter, PushToTalk, WakeDetector
from ..commands.recognizers import build_assistant, language_model_of
from ..config import Config
from ..dialogue import Session
from ..dialogue_settings import dialogue_settings
from ..errors import AssistantError
from ..listener import Heard, Listener
from ..memory import release_free_memory
from ..mqtt import MqttLink
from ..pipeline import Assistant, Turn
from ..stt.factory import build_recognizer
from .buffer import FrameBuffer
from .presence import Presence
from .settings import daemon_settings
from .systemd import Notifier

_LOGGER = logging.getLogger(__name__)

WATCHDOG_EVERY = 1.0
"""Seconds between WATCHDOG=1 pings from the capture loop."""


class Mouth(Protocol):
    """What the worker speaks through (assistant.daemon.mouth.SpeakerMouth)."""

    def speak(self, text: str, cancel: threading.Event) -> float | None:
        """Speak; the time to first audio in ms, or None when nothing was played."""

    def earcon(self, name: str) -> None: ...


@dataclass
class Brain:
    """Everything built from one config; replaced whole when the config is reloaded."""

    config: Config
    assistant: Assistant
    listener: Listener
    push_to_talk: PushToTalk
    session: Session = field(default_factory=Session)


def build_brain(config: Config, link: MqttLink | None, push_to_talk: PushToTalk, previous: Brain | None = None) -> Brain:
    """Every model loaded, before READY, so the first command is as fast as the rest.

    The language model (most of the start-up: its prompt is evaluated) loads in a thread while the
    speech models load here, one core each. On a reload the loaded language model is kept when
    its settings did not change.
    """
    assistant = build_assistant(config, link, previous=previous.assistant if previous else None)
    language_model = language_model_of(assistant)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="load-llm") as pool:
        loading = pool.submit(language_model.load) if language_model is not None else None
        vad = vad_settings(config)
        wake = wake_settings(config)
        spotter = KeywordSpotter(wake.phrase, wake.sensitivity) if wake.enabled else None
        listener = Listener(
            make_detector(vad.engine, vad.threshold, vad.aggressiveness),
            build_recognizer(config, assistant.templates),
            vad,
            WakeDetector(spotter, push_to_talk),
        )
        if loading is not None:
            loading.result()  # ModelError from the thread is raised here
    return Brain(config, assistant, listener, push_to_talk, Session(window=dialogue_settings(config).window))


@dataclass(frozen=True)
class Utterance:
    heard: Heard
    decided: threading.Event
    """Set by the worker once the reply is known (so the ears know whether a question follows)."""
    outcome: list[Turn]


class Daemon:
    def __init__(
        self,
        config: Config,
        source_factory: Callable[[Config], AudioSource],
        link: MqttLink,
        mouth: Mouth,
        *,
        load_config: Callable[[], Config],
        notifier: Notifier | None = None,
    ) -> None:
        self.link = link
        self.mouth = mouth
        self.load_config = load_config
        self.notifier = notifier or Notifier()
        self.settings = daemon_settings(config)
        self.source_factory = source_factory
        self.push_to_talk = PushToTalk()
        self.brain = build_brain(config, link, self.push_to_talk)
        release_free_memory()  # what loading the models needed only for a moment
        self.presence = Presence(link, config, self.settings, listen_topic=wake_settings(config).push_to_talk_topic)
        self.buffer = FrameBuffer(max(1, round(self.settings.audio_queue_seconds / FRAME_SECONDS)))
        self.stopping = threading.Event()
        self.reload_requested = threading.Event()
        self.muted = threading.Event()
        self.cancel_speech = threading.Event()
        self.speaking = threading.Event()
        self.work: queue.Queue[Utterance | str | None] = queue.Queue(maxsize=4)
        self.source: AudioSource | None = None
        self.microphone_open = threading.Event()
        self.ready = threading.Event()
        self.handled = 0
        self.errors = 0
        self._threads: list[threading.Thread] = []

    # --- life cycle -----------------------------------------------------------------------

    def start(self) -> None:
        self.presence.connect_controls(self._on_mute, self.push_to_talk.trigger, self.say)
        for name, target in (("capture", self._capture), ("ears", self._ears), ("worker", self._worker)):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def run(self) -> int:
        """Until SIGTERM/SIGINT: start, announce READY once the microphone is open, reload on SIGHUP."""
        self.start()
        ready = False
        while not self.stopping.is_set():
            if not ready and self.microphone_open.wait(0.1):
                ready = True
                self.presence.set_state("idle")
                self.notifier.ready(f"listening on {self.source.description if self.source else 'audio'}")
                self.ready.set()
                _LOGGER.info("ready")
            if self.reload_requested.is_set():
                self.reload_requested.clear()
                self.reload()
            self.stopping.wait(0.1)
        self.shutdown()
        return 0

    def stop(self) -> None:
        self.stopping.set()

    def shutdown(self) -> None:
        self.notifier.stopping()
        self.cancel_speech.set()
        if self.source is not None:
            self.source.close()
        self.buffer.close()
        try:
            self.work.put_nowait(None)
        except queue.Full:
            pass
        for thread in self._threads:
            thread.join(timeout=5)
        self.presence.set_state("idle")
        self.link.stop()

    def reload(self) -> None:
        """Rebuild from the config file; keep the running config if the new one is broken."""
        self.notifier.reloading()
        try:
            config = self.load_config()
            brain = build_brain(config, self.link, self.push_to_talk, previous=self.brain)
        except AssistantError as err:
            _LOGGER.error("reload refused, keeping the running config:\n%s", err.message)
            self.notifier.ready("reload refused: the config has errors")
            return
        self.brain = brain
        release_free_memory()
        _LOGGER.info("reloaded %s", config.source)
        self.notifier.ready("reloaded")

    # --- controls ------------------------------------------------------------------------

    def _on_mute(self, muted: bool) -> None:
        if muted:
            self.muted.set()
            self.cancel_speech.set()
        else:
            self.muted.clear()
        _LOGGER.info("microphone %s", "muted" if muted else "unmuted")

    def say(self, text: str) -> None:
        """Speak a text that came from outside (MQTT say, hermes/tts/say)."""
        try:
            self.work.put_nowait(text)
        except queue.Full:
            _LOGGER.warning("busy: dropped a request to say %r", text[:60])

    # --- threads --------------------------------------------------------------------------

    def _capture(self) -> None:
        last_ping = 0.0
        while not self.stopping.is_set():
            try:
                self.source = self.source_factory(self.brain.config)
            except AssistantError as err:
                self.presence.report_problem(f"microphone unavailable: {err.message}")
                _LOGGER.error("microphone unavailable: %s (retrying)", err.message)
                self.stopping.wait(2.0)
                continue
            self.presence.report_problem("")
            try:
                for frame in self.source.frames():
                    self.microphone_open.set()
                    if self.stopping.is_set():
                        return
                    now = time.monotonic()
                    if self.ready.is_set() and now - last_ping >= WATCHDOG_EVERY:
                        # From the audio loop itself: a stalled microphone stops the pings
                        # and systemd restarts the service.
                        self.notifier.watchdog()
                        last_ping = now
                    if not self.muted.is_set():
                        self.buffer.put(frame)
            except AssistantError as err:
                self.presence.report_problem(f"microphone failed: {err.message}")
                _LOGGER.error("microphone failed: %s (reopening)", err.message)
                self.stopping.wait(2.0)
            finally:
                self.source.close()
            if not self.stopping.is_set():
                _LOGGER.info("audio source ended")
                self.stopping.wait(0.5)

    def _ears(self) -> None:
        frames = self.buffer
        follow_up = False
        while not self.stopping.is_set():
            brain = self.brain
            heard: Heard | None
            try:
                if follow_up:
                    # An answer to the assistant's question: no wake word, but only for the window.
                    window = brain.session.window
                    listener = Listener(
                        brain.listener.detector,
                        brain.listener.recognizer,
                        replace(brain.listener.settings, endpointer=replace(brain.listener.settings.endpointer, no_speech_timeout=window)),
                        brain.listener.wake,
                    )
                    heard = listener.capture(frames)
                else:
                    heard = brain.listener.listen(frames, require_wake=brain.listener.wake is not None and brain.listener.wake.spotter is not None)
            except Exception:  # one bad utterance must not stop the ears
                _LOGGER.exception("listening failed")
                self.errors += 1
                follow_up = False
                continue
            if heard is None:
                return  # the buffer was closed
            if self.speaking.is_set():
                self.cancel_speech.set()  # barge-in: the wake word interrupts the reply
            if heard.transcript is None and follow_up:
                brain.session.clear()
                follow_up = False
                continue
            if heard.transcript is None and heard.wake is None:
                continue  # nothing said and nobody called: keep waiting
            utterance = Utterance(heard, threading.Event(), [])
            self.presence.set_state("thinking")
            self.work.put(utterance)
            utterance.decided.wait(30)
            turn = utterance.outcome[0] if utterance.outcome else None
            follow_up = bool(turn and turn.reply.expects_answer)
            if follow_up:
                # Do not take the assistant's own question for the answer.
                while self.speaking.is_set() and not self.stopping.is_set():
                    time.sleep(0.02)
                self.buffer.flush()
                brain.listener.detector.reset()

    def _worker(self) -> None:
        while True:
            item = self.work.get()
            if item is None:
                return
            try:
                if isinstance(item, str):
                    self._speak(item)
                else:
                    self._handle(item)
            except Exception:
                _LOGGER.exception("handling an utterance failed")
                self.errors += 1
                if isinstance(item, Utterance):
                    item.decided.set()
            finally:
                if not self.speaking.is_set():
                    self.presence.set_state("idle")
                release_free_memory()

    def _handle(self, utterance: Utterance) -> None:
        heard = utterance.heard
        brain = self.brain
        transcript = heard.transcript
        text = "" if transcript is None or transcript.rejected else transcript.text
        turn = brain.assistant.handle_heard(transcript, brain.session)
        utterance.outcome.append(turn)
        published_at = time.perf_counter()
        utterance.decided.set()
        self.handled += 1
        timings = {**heard.timings_ms, **{f"nlu_{k}": v for k, v in turn.timings_ms.items()}}
        timings["end_of_speech_to_publish"] = (published_at - heard.ended_at) * 1000
        _LOGGER.debug("heard %r -> %s: %s (%s)", text, turn.outcome, turn.reply.text, timings)
        if turn.commands:
            self.mouth.earcon("done")
        elif turn.outcome not in ("answer", "question", "stopped", "cancelled"):
            self.mouth.earcon("error")
        first_audio = self._speak(turn.reply.text)
        if first_audio is not None:
            timings["first_audio"] = (published_at - heard.ended_at) * 1000 + first_audio
        self.presence.publish_turn(turn, transcript=text, timings_ms=timings)

    def _speak(self, text: str) -> float | None:
        if not text or self.muted.is_set():
            return None
        self.cancel_speech.clear()
        self.speaking.set()
        self.presence.set_state("speaking")
        try:
            return self.mouth.speak(text, self.cancel_speech)
        finally:
            self.speaking.clear()
