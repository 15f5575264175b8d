"""Tracking codes (domain.tracking)."""

from __future__ import annotations

import itertools
import re
import secrets
from collections.abc import Sequence

import pytest

from domain import texts, tracking
from domain.tracking import (
    ALPHABET,
    CODE_LENGTH,
    TRACKING_CODE_EXAMPLE,
    format_tracking_code,
    invalid_tracking_code_message,
    is_valid_tracking_code,
    new_tracking_code,
    parse_tracking_code,
)

VALID = "K7M4QXPAK"  # body K7M4QXPA, check symbol K (worked out by hand below)


def test_alphabet() -> None:
    assert ALPHABET == "23456789ABCDEFHJKMNPQRSTVWXYZ"
    assert len(ALPHABET) == 29
    assert len(set(ALPHABET)) == 29
    for confusable in "0O1ILUG":
        assert confusable not in ALPHABET


def test_known_check_symbol() -> None:
    values = [ALPHABET.index(ch) for ch in "K7M4QXPA"]
    check = sum((i + 1) * v for i, v in enumerate(values)) % 29
    assert ALPHABET[check] == "K"
    assert is_valid_tracking_code(VALID)


def test_new_code_shape() -> None:
    for _ in range(200):
        code = new_tracking_code()
        assert len(code) == CODE_LENGTH == 9
        assert re.fullmatch(f"[{ALPHABET}]{{9}}", code)
        assert is_valid_tracking_code(code)


def test_new_code_uses_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    draws = iter("K7M4QXPA")

    def fake_choice(seq: Sequence[str]) -> str:
        assert seq == ALPHABET
        return next(draws)

    monkeypatch.setattr(secrets, "choice", fake_choice)
    assert new_tracking_code() == VALID


def test_uniqueness_over_10000_draws() -> None:
    codes = {new_tracking_code() for _ in range(10_000)}
    assert len(codes) == 10_000


def test_every_symbol_is_drawn() -> None:
    seen = set("".join(new_tracking_code()[:8] for _ in range(2_000)))
    assert seen == set(ALPHABET)


@pytest.mark.parametrize(
    ("code", "shown"),
    [
        ("K7M4QXPAK", "K7M-4QX-PAK"),
        ("ABCDEFHJK", "ABC-DEF-HJK"),
    ],
)
def test_format(code: str, shown: str) -> None:
    assert format_tracking_code(code) == shown


def test_round_trip() -> None:
    for _ in range(1_000):
        code = new_tracking_code()
        assert parse_tracking_code(format_tracking_code(code)) == code
        assert parse_tracking_code(code) == code
        assert parse_tracking_code(format_tracking_code(code).lower()) == code


@pytest.mark.parametrize(
    "typed",
    [
        "K7M4QXPAK",
        "K7M-4QX-PAK",
        "k7m-4qx-pak",
        "k7M4qXpaK",
        " K7M 4QX PAK ",
        "K7M–4QX—PAK",  # en and em dashes
        "K7M_4QX.PAK",
        "K۷M-۴QX-PAK",  # Persian digits
        "K٧M-٤QX-PAK",  # Arabic-Indic digits
        "\u200fK7M-4QX-PAK\u200e",  # bidi marks copied along
        "\u202bK7M\u200c4QX\u200dPAK\u202c",
        "Ｋ７Ｍ４ＱＸＰＡＫ",  # full width
        "ن۷پ۴ضطحشن",  # typed with the keyboard still on the Persian layout
        "ن۷پ-۴ضط-حشن",
    ],
)
def test_parse_tolerant(typed: str) -> None:
    assert parse_tracking_code(typed) == VALID


def test_persian_layout_with_arabic_yeh() -> None:
    body = "D2345678"
    code = body + tracking._check_symbol(body)
    assert parse_tracking_code("ي234" + code[4:]) == code  # Arabic yeh on the D key
    assert parse_tracking_code("ی234" + code[4:]) == code  # Persian yeh on the D key


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "K7M-4QX-PA",  # too short
        "K7M-4QX-PAKP",  # too long
        "K7M4QXPAKK7M4QXPAK",
        "K7M4QXPAP",  # wrong check symbol
        "K7M4QXPOK",  # O is not in the alphabet
        "K7M4QXP0K",  # nor is 0
        "K7M4QXP1K",
        "K7M4QXPIK",
        "K7M4QXPLK",
        "K7M4QXPUK",
        "K7M4QXPGK",
        "K7M4QXPA?",
        "سلام",
        "K7M4QXPAK!",
    ],
)
def test_parse_refuses(typed: str) -> None:
    assert parse_tracking_code(typed) is None


def test_confusable_in_a_checked_code_is_refused() -> None:
    # Replace one symbol with each confusable character: never accepted, never guessed.
    for pos in range(CODE_LENGTH):
        for confusable in "0O1ILUGoilug":
            typed = VALID[:pos] + confusable + VALID[pos + 1 :]
            assert parse_tracking_code(typed) is None, typed


@pytest.mark.parametrize("body", ["K7M4QXPA", "22222222", "ZZZZZZZZ", "Z2Y3X4W5"])
def test_every_single_substitution_is_detected(body: str) -> None:
    code = body + tracking._check_symbol(body)
    assert is_valid_tracking_code(code)
    for pos in range(CODE_LENGTH):
        for ch in ALPHABET:
            if ch == code[pos]:
                continue
            typo = code[:pos] + ch + code[pos + 1 :]
            assert not is_valid_tracking_code(typo), typo
            assert parse_tracking_code(typo) is None


def test_every_transposition_is_detected() -> None:
    for _ in range(200):
        code = new_tracking_code()
        for i, j in itertools.combinations(range(CODE_LENGTH), 2):
            if code[i] == code[j]:
                continue
            swapped = list(code)
            swapped[i], swapped[j] = swapped[j], swapped[i]
            assert not is_valid_tracking_code("".join(swapped)), (code, i, j)


@pytest.mark.parametrize("code", ["k7m4qxpak", "K7M-4QX-PAK", "K7M4QXPA", "K7M4QXPAP", ""])
def test_is_valid_requires_canonical_form(code: str) -> None:
    assert not is_valid_tracking_code(code)


def test_invalid_message() -> None:
    assert TRACKING_CODE_EXAMPLE == "K7M-4QX-PAK"
    assert parse_tracking_code(TRACKING_CODE_EXAMPLE) == VALID
    message = invalid_tracking_code_message()
    assert message == texts.ERR_TRACKING_CODE.format(example="K7M-4QX-PAK")
    assert "K7M-4QX-PAK" in message
    assert "۹" in message  # the text states the length; keep it in step with CODE_LENGTH
