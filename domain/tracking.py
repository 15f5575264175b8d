"""Tracking codes that people read aloud, copy by hand and type back.

Design
------
* Alphabet: ``23456789ABCDEFHJKMNPQRSTVWXYZ`` (29 symbols): no 0/O, 1/I/L or U, so nothing
  in a code can be misread as something else in it; G is left out as well, because it looks
  like 6 and, said aloud in Persian, sounds like J ("جی"), and because dropping it makes the
  alphabet size prime (29), which the check symbol below needs.
* A code is 8 random symbols drawn with :mod:`secrets` (29**8 ≈ 5.0e11 possibilities) followed
  by 1 check symbol, 9 symbols in all. The canonical (stored) form has no separators:
  ``"K7M4QXPAK"``; people see it in three groups of three, ``"K7M-4QX-PAK"``, which is the
  easiest shape to dictate over the phone.
* Check symbol: ``sum((i + 1) * value(c_i) for i in 0..7) mod 29``. Because 29 is prime and
  the weights 1..8 are distinct and non-zero, every single mistyped symbol and every swap of
  two symbols (adjacent or not, including a swap with the check symbol) changes the check, so
  ``parse_tracking_code`` can say "this code is mistyped" before any database lookup; a random
  wrong code still passes only 1 time in 29.
* ``parse_tracking_code`` is tolerant of how people type: any case, Persian/Arabic-Indic
  digits, spaces, dashes and invisible characters are ignored, and letters typed with the
  keyboard still on the standard Persian layout (for example ``ن`` for K) are mapped back to
  the Latin key they share. Anything else that is not in the alphabet (including 0, O, 1, I,
  L, U and G, which never occur) makes the code invalid: we do not guess.

Uniqueness against existing codes is the storage layer's job (unique column, retry on clash).
"""

from __future__ import annotations

import re
import secrets
import unicodedata

from domain import texts
from domain.digits import to_ascii_digits
from domain.text import normalize_persian

ALPHABET = "23456789ABCDEFHJKMNPQRSTVWXYZ"
RANDOM_LENGTH = 8
CODE_LENGTH = RANDOM_LENGTH + 1
GROUP_SIZE = 3

_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}

# The unshifted letter keys of the standard Persian keyboard (ISIRI 9147 / Windows Persian)
# and the Latin letter printed on the same key.
_PERSIAN_LAYOUT = {
    "ض": "Q",
    "ص": "W",
    "ث": "E",
    "ق": "R",
    "ف": "T",
    "غ": "Y",
    "ع": "U",
    "ه": "I",
    "خ": "O",
    "ح": "P",
    "ش": "A",
    "س": "S",
    "ی": "D",
    "ب": "F",
    "ل": "G",
    "ا": "H",
    "ت": "J",
    "ن": "K",
    "م": "L",
    "ظ": "Z",
    "ط": "X",
    "ز": "C",
    "ر": "V",
    "ذ": "B",
    "د": "N",
    "پ": "M",
}
_FROM_PERSIAN_LAYOUT = str.maketrans(_PERSIAN_LAYOUT)

# Separators people put in (or copy along with) a code: whitespace, every dash, dots,
# underscores and slashes.
_SEPARATORS_RE = re.compile(r"[\s\-\u2010-\u2015\u2212\u0640._/\\]+")


def _check_symbol(body: str) -> str:
    total = sum((i + 1) * _VALUE[ch] for i, ch in enumerate(body))
    return ALPHABET[total % len(ALPHABET)]


def new_tracking_code() -> str:
    """Return a fresh random code in canonical form: 9 symbols, no separator."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return body + _check_symbol(body)


def is_valid_tracking_code(code: str) -> bool:
    """True if ``code`` is a canonical code (upper case, no separators) whose check matches."""
    return (
        len(code) == CODE_LENGTH
        and all(ch in _VALUE for ch in code)
        and _check_symbol(code[:RANDOM_LENGTH]) == code[RANDOM_LENGTH]
    )


def format_tracking_code(code: str) -> str:
    """Return a canonical code as people see it: ``"K7M4QXPAK"`` → ``"K7M-4QX-PAK"``."""
    return "-".join(code[i : i + GROUP_SIZE] for i in range(0, len(code), GROUP_SIZE))


def parse_tracking_code(s: str) -> str | None:
    """Return the canonical code typed in ``s``, or None if it is not a valid code.

    None covers both "not shaped like a code" and "shaped like one but mistyped" (the check
    symbol does not match); either way the user should be asked to type it again.
    """
    s = unicodedata.normalize("NFKC", s)
    s = "".join(ch for ch in s if unicodedata.category(ch) not in ("Cc", "Cf") or ch.isspace())
    s = normalize_persian(to_ascii_digits(s))
    s = _SEPARATORS_RE.sub("", s)
    s = s.translate(_FROM_PERSIAN_LAYOUT).upper()
    return s if is_valid_tracking_code(s) else None


# Shown in the "mistyped" message; Latin symbols and ASCII digits, exactly as on the receipt.
TRACKING_CODE_EXAMPLE = format_tracking_code("K7M4QXPA" + _check_symbol("K7M4QXPA"))


def invalid_tracking_code_message() -> str:
    """The text to show when ``parse_tracking_code`` returned None."""
    return texts.ERR_TRACKING_CODE.format(example=TRACKING_CODE_EXAMPLE)
