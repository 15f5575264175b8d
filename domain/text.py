"""Normalisation of Persian text typed or pasted by people.

Three levels, each idempotent:

``normalize_persian``
    Makes one spelling of the same Persian text, for storing. Applies Unicode NFKC (which folds
    the Arabic presentation forms that text pasted from PDFs is full of, full-width Latin and
    the no-break space), writes Arabic yeh/alef maksura (ي ى) as Persian yeh (ی) and Arabic
    kaf (ك) as Persian keheh (ک), removes tatweel (ـ) and Arabic diacritics (harakat, tanwin,
    shadda, sukun, superscript alef, Quranic marks), and removes zero-width characters other
    than ZWNJ. It deliberately keeps the hamza marks U+0654/U+0655 (Persian writes the ezafe
    as ``هٔ``, as in ``شمارهٔ``) and does *not* fold ة, أ, إ or ۀ: those are intended spellings
    and are kept in stored text; ``comparison_key`` folds them. Digits are left as typed.

``clean_free_text``
    Tidies layout: strips, collapses every run of (Unicode) whitespace to one space, removes
    control characters, bidi controls (U+200E, U+200F, U+202A..U+202E, U+2066..U+2069, U+061C)
    and every other format character except ZWNJ, collapses repeated ZWNJ and drops ZWNJ that
    touches a space or either end of the text (it has no effect there).

``comparison_key``
    For matching only, never for display: normalised and cleaned, then ة→ه, ۀ→ه, أ/إ/ٱ→ا,
    hamza marks, ZWNJ and all whitespace removed, case-folded, digits made ASCII. ``"می‌خواهم"``,
    ``"می خواهم"`` and ``"ميخواهم"`` share one key.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from domain.digits import to_ascii_digits

ZWNJ = "\u200c"
TATWEEL = "\u0640"

_LETTER_FOLD = str.maketrans(
    {
        "\u064a": "\u06cc",  # ي ARABIC LETTER YEH -> ی
        "\u0649": "\u06cc",  # ى ARABIC LETTER ALEF MAKSURA -> ی
        "\u0643": "\u06a9",  # ك ARABIC LETTER KAF -> ک
    }
)

# Arabic combining marks: Quranic annotation signs, harakat/tanwin/shadda/sukun, maddah and
# other marks above/below (but not the hamza marks U+0654/U+0655), superscript alef, and the
# small high/low Quranic marks.
_DIACRITICS_RE = re.compile(
    "[\u0610-\u061a\u064b-\u0653\u0656-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8"
    "\u06ea-\u06ed" + TATWEEL + "]"
)
HAMZA_MARKS = "\u0654\u0655"

# Zero-width characters that carry no meaning in Persian text (ZWNJ is meaningful and kept):
# ZERO WIDTH SPACE, ZERO WIDTH JOINER, WORD JOINER, ZERO WIDTH NO-BREAK SPACE (BOM), SOFT HYPHEN.
_ZERO_WIDTH_RE = re.compile("[\u200b\u200d\u2060\ufeff\u00ad]")

_WHITESPACE_RE = re.compile(r"\s+")
_ZWNJ_RUN_RE = re.compile(ZWNJ + "{2,}")
_ZWNJ_BY_SPACE_RE = re.compile(f" ?{ZWNJ}+ ?")

_COMPARISON_FOLD = str.maketrans(
    {
        "\u0629": "\u0647",  # ة TEH MARBUTA -> ه
        "\u06c0": "\u0647",  # ۀ HEH WITH YEH ABOVE -> ه
        "\u0623": "\u0627",  # أ ALEF WITH HAMZA ABOVE -> ا
        "\u0625": "\u0627",  # إ ALEF WITH HAMZA BELOW -> ا
        "\u0671": "\u0627",  # ٱ ALEF WASLA -> ا
    }
)


def normalize_persian(s: str) -> str:
    """Return the stored spelling of ``s``; see the module docstring for the exact rules."""
    s = unicodedata.normalize("NFKC", s)
    s = s.translate(_LETTER_FOLD)
    s = _DIACRITICS_RE.sub("", s)
    return _ZERO_WIDTH_RE.sub("", s)


def _is_removable(ch: str) -> bool:
    """Control (Cc, other than whitespace), format (Cf, other than ZWNJ) and surrogate chars."""
    if ch == ZWNJ or ch.isspace():
        return False
    return unicodedata.category(ch) in ("Cc", "Cf", "Cs")


def _tidy_zwnj(s: str) -> str:
    s = _ZWNJ_RUN_RE.sub(ZWNJ, s)

    def by_space(m: re.Match[str]) -> str:
        # A ZWNJ between two letters stays; one that touches a space disappears.
        return " " if " " in m.group(0) else m.group(0)

    s = _ZWNJ_BY_SPACE_RE.sub(by_space, s)
    return s.strip(" " + ZWNJ)


def clean_free_text(s: str) -> str:
    """Return ``s`` stripped, with whitespace runs collapsed to one space and control, bidi and
    other invisible format characters (except ZWNJ) removed."""
    s = "".join(ch for ch in s if not _is_removable(ch))
    s = _WHITESPACE_RE.sub(" ", s)
    return _tidy_zwnj(s.strip())


def comparison_key(s: str) -> str:
    """Return a key under which spelling variants of the same text compare equal.

    Only for matching (for example a trade name against the catalogue); never show it.
    """
    s = clean_free_text(normalize_persian(s))
    s = s.translate(_COMPARISON_FOLD)
    s = re.sub(f"[{HAMZA_MARKS}{ZWNJ} ]", "", s)
    return to_ascii_digits(s.casefold())


# --- Registry values: stored spellings and matching keys ------------------------------------

_NOT_ALNUM_RE = re.compile(r"[\W_]+")
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\u0640"
_SLASHES = "/\u2044\u2215\u060d\\"
_CODE_FOLD = str.maketrans({**dict.fromkeys(_DASHES, "-"), **dict.fromkeys(_SLASHES, "/")})
_INTEGRAL_FLOAT_RE = re.compile(r"^([0-9]+)\.0*$")


# Imports repeat the same first names, trades and centres over and over: the cleaning of
# text is memoised (it is pure), which makes a large import several times faster.
_CACHE_SIZE = 1 << 16


@functools.lru_cache(maxsize=_CACHE_SIZE)
def clean_text(s: str) -> str:
    """The stored spelling of free text: normalised Persian letters, tidy spaces.

    Same as ``clean_free_text(normalize_persian(s))``; text that is printable once normalised
    (no control, format or invisible characters, no ZWNJ, no space but U+0020) takes a
    shortcut: its only tidying left is collapsing spaces.
    """
    if not s.isascii():
        s = normalize_persian(s)
    if s.isprintable():
        return " ".join(s.split())
    return clean_free_text(s)


@functools.lru_cache(maxsize=_CACHE_SIZE)
def normalize_name(s: str) -> str:
    """The matching key of a name, father's name, trade or centre.

    ``comparison_key`` with آ read as ا and every character that is neither a letter nor a
    digit (dots, dashes, brackets) dropped: «علي‌اكبر», «علی اکبر» and «عَلی‌اکبر» share the key
    «علیاکبر».
    """
    return _NOT_ALNUM_RE.sub("", comparison_key(s)).replace("آ", "ا")


def normalize_code(s: str) -> str:
    """The canonical form of a certificate number or standard code.

    NFKC, ASCII digits, spaces and invisible characters removed, every dash read as ``-`` and
    every slash as ``/``, Latin letters upper-case; a spreadsheet's ``"12345.0"`` is ``"12345"``.
    """
    if not s.isascii():
        s = to_ascii_digits(unicodedata.normalize("NFKC", s))
    if not s.isprintable() or " " in s:
        s = "".join(
            ch
            for ch in s
            if not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf", "Cs")
        )
    s = s.translate(_CODE_FOLD).upper()
    integral = _INTEGRAL_FLOAT_RE.match(s)
    return integral.group(1) if integral else s


def normalize_national_code(s: str) -> str:
    """The national code's digits; 8 or 9 digits get back the leading zeros a number lost.

    Spreadsheets and Access number columns drop them (``13542419`` is ``"0013542419"``).
    Validity (the check digit) is judged separately.
    """
    code = normalize_code(s).replace("-", "")
    if code.isascii() and code.isdigit() and len(code) in (8, 9):
        code = code.zfill(10)
    return code


# --- Frozen: the holder keys of issued QR codes ---------------------------------------------
# domain.signing.holder_binding hashes these two keys into every confirmation's QR code; a
# printed confirmation verifies only while they give the same bytes for the same input. They
# are frozen: never change them (not even to agree with the functions above); add new ones.

_FROZEN_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
# Letter variants people type interchangeably for the same Persian name.
_FROZEN_LETTER_VARIANTS = str.maketrans(
    {
        "ي": "ی",
        "ى": "ی",
        "ئ": "ی",
        "ك": "ک",
        "ة": "ه",
        "ۀ": "ه",
        "ہ": "ه",
        "أ": "ا",
        "إ": "ا",
        "ٱ": "ا",
        "آ": "ا",
        "ؤ": "و",
    }
)
# Spaces, zero-width (non-)joiners, tatweel and direction marks carry no identity.
_FROZEN_IGNORED = re.compile(r"[\s\u200b-\u200f\u202a-\u202e\u2066-\u2069\u0640\ufeff]+")


def frozen_national_code_key(national_code: str) -> str:
    """ASCII digits only: Persian/Arabic digits are mapped, separators dropped."""
    digits = "".join(ch for ch in national_code.translate(_FROZEN_DIGITS) if ch.isascii())
    return "".join(ch for ch in digits if ch.isdigit())


def frozen_name_key(full_name: str) -> str:
    """A spelling-tolerant key for a Persian name.

    Arabic letter variants map to their Persian forms, hamza/madda forms of alef to plain alef,
    diacritics are dropped, and every space or zero-width joiner is removed (so «محمدحسین»,
    «محمد حسین» and «محمد‌حسین» agree).
    """
    decomposed = unicodedata.normalize("NFKD", full_name)
    no_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    recomposed = unicodedata.normalize("NFC", no_marks).translate(_FROZEN_LETTER_VARIANTS)
    return _FROZEN_IGNORED.sub("", recomposed).casefold()
