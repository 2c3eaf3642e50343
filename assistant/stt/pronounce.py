"""Pronunciations for words the PocketSphinx dictionary lacks (a device called "Zigbee lamp").

The espeak-ng phonemizer that ships inside ``piper-tts`` turns the spelling into IPA; the IPA is
mapped onto the model's ARPAbet phones. A pronunciation given in config (``stt.pronunciations``)
always wins over a guess.
"""

from __future__ import annotations

import logging
import re
import unicodedata

_LOGGER = logging.getLogger(__name__)

# Longest sequences first; stress and length marks are removed before matching.
_IPA_TO_ARPABET: dict[str, str] = {
    "tʃ": "CH",
    "dʒ": "JH",
    "aɪ": "AY",
    "aʊ": "AW",
    "ɔɪ": "OY",
    "eɪ": "EY",
    "oʊ": "OW",
    "əʊ": "OW",
    "ɑɹ": "AA R",
    "ɔɹ": "AO R",
    "ɛɹ": "EH R",
    "ɪɹ": "IH R",
    "ʊɹ": "UH R",
    "iə": "IY AH",
    "ɪə": "IH R",
    "eə": "EH R",
    "ʊə": "UH R",
    "p": "P",
    "b": "B",
    "t": "T",
    "d": "D",
    "k": "K",
    "g": "G",
    "ɡ": "G",
    "f": "F",
    "v": "V",
    "θ": "TH",
    "ð": "DH",
    "s": "S",
    "z": "Z",
    "ʃ": "SH",
    "ʒ": "ZH",
    "h": "HH",
    "m": "M",
    "n": "N",
    "ŋ": "NG",
    "l": "L",
    "ɫ": "L",
    "ɹ": "R",
    "r": "R",
    "w": "W",
    "j": "Y",
    "ɾ": "T",
    "x": "K",
    "i": "IY",
    "ɪ": "IH",
    "ᵻ": "IH",
    "e": "EY",
    "ɛ": "EH",
    "æ": "AE",
    "a": "AA",
    "ɑ": "AA",
    "ɒ": "AA",
    "ɔ": "AO",
    "o": "OW",
    "ʊ": "UH",
    "u": "UW",
    "ʌ": "AH",
    "ə": "AH",
    "ɐ": "AH",
    "ɚ": "ER",
    "ɜ": "ER",
    "y": "UW",
}
_DROP = re.compile(r"[ˈˌːˑ‿ʔ.\-\s]")
_PHONES = frozenset(
    ["AA", "AE", "AH", "AO", "AW", "AY", "B", "CH", "D", "DH", "EH", "ER", "EY", "F", "G", "HH", "IH", "IY", "JH", "K", "L", "M", "N", "NG", "OW", "OY", "P", "R", "S", "SH", "T", "TH", "UH", "UW", "V", "W", "Y", "Z", "ZH"]
)


def ipa_to_arpabet(ipa: str) -> str | None:
    """ARPAbet for an IPA string, or None when a symbol has no English counterpart."""
    text = _DROP.sub("", unicodedata.normalize("NFC", ipa))
    phones: list[str] = []
    position = 0
    while position < len(text):
        for length in (2, 1):
            piece = text[position : position + length]
            if len(piece) == length and piece in _IPA_TO_ARPABET:
                phones.append(_IPA_TO_ARPABET[piece])
                position += length
                break
        else:
            _LOGGER.debug("no ARPAbet phone for %r in %r", text[position], ipa)
            return None
    return " ".join(phones) if phones else None


def check_arpabet(pronunciation: str) -> str:
    """Normalise a pronunciation from config ("z ih g b iy" -> "Z IH G B IY"); ValueError if wrong."""
    phones = pronunciation.upper().split()
    unknown = [phone for phone in phones if phone not in _PHONES]
    if not phones or unknown:
        raise ValueError(
            f"unknown phones {' '.join(unknown) or '(none given)'} (expected ARPAbet: {' '.join(sorted(_PHONES))})"
        )
    return " ".join(phones)


class Guesser:
    """Spelling -> ARPAbet through espeak-ng (inside piper-tts); None when it is not available."""

    def __init__(self) -> None:
        self._bridge: object | None = None
        self._failed = False

    def _load(self) -> object | None:
        if self._bridge is None and not self._failed:
            try:
                from piper import espeakbridge  # type: ignore[attr-defined]
                from piper.phonemize_espeak import ESPEAK_DATA_DIR

                espeakbridge.initialize(str(ESPEAK_DATA_DIR))
                espeakbridge.set_voice("en-us")
                self._bridge = espeakbridge
            except Exception as err:  # noqa: BLE001 - optional helper; missing means no guesses
                _LOGGER.warning("cannot guess pronunciations (espeak-ng from piper-tts unavailable: %s)", err)
                self._failed = True
        return self._bridge

    def guess(self, word: str) -> str | None:
        bridge = self._load()
        if bridge is None:
            return None
        try:
            clauses = bridge.get_phonemes(word)  # type: ignore[attr-defined]
        except Exception as err:  # noqa: BLE001 - a native call; any failure means "no guess"
            _LOGGER.debug("espeak-ng failed on %r: %s", word, err)
            return None
        ipa = "".join(re.sub(r"\([^)]*\)", "", phonemes) for phonemes, _, _ in clauses)
        return ipa_to_arpabet(ipa)
