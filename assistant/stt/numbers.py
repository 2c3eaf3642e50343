"""Numbers as people say them: the words a grammar must accept for a range slot.

``number_words(21.5)`` gives ``("twenty", "one", "point", "five")``. hassil turns such words
back into the number when it matches a template, so the recogniser can hand over the words as
spoken.
"""

from __future__ import annotations

_ONES = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")

MAX_SPOKEN_NUMBER = 999_999


def integer_words(number: int) -> tuple[str, ...]:
    """English words for a whole number from 0 to 999,999 ("one hundred five", no "and")."""
    if number < 0:
        return ("minus", *integer_words(-number))
    if number > MAX_SPOKEN_NUMBER:
        raise ValueError(f"{number} is too large to say (at most {MAX_SPOKEN_NUMBER})")
    if number < 20:
        return (_ONES[number],)
    if number < 100:
        tens, ones = divmod(number, 10)
        return (_TENS[tens],) if ones == 0 else (_TENS[tens], _ONES[ones])
    if number < 1000:
        hundreds, rest = divmod(number, 100)
        head: tuple[str, ...] = (_ONES[hundreds], "hundred")
        return head if rest == 0 else head + integer_words(rest)
    thousands, rest = divmod(number, 1000)
    head = (*integer_words(thousands), "thousand")
    return head if rest == 0 else head + integer_words(rest)


def number_words(number: float) -> tuple[str, ...]:
    """Words for ``number``; a fraction is read digit by digit after "point" (21.5: ... point five)."""
    if float(number).is_integer():
        return integer_words(int(number))
    text = f"{number:.6f}".rstrip("0")
    whole, _, fraction = text.partition(".")
    return (*integer_words(int(whole)), "point", *(_ONES[int(digit)] for digit in fraction))
