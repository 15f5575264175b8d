"""Signed confirmation tokens: round trip, tamper evidence, key handling, tolerant decoding."""

from __future__ import annotations

import base64
import datetime
import json

import pytest

from domain.signing import (
    PAYLOAD_SIZE,
    TOKEN_LENGTH,
    BadSignature,
    ConfirmationKind,
    KeyWithdrawn,
    MalformedToken,
    PublicKeyInfo,
    SigningKey,
    TokenPayload,
    UnknownKey,
    decode_token,
    holder_binding,
    sign_token,
    verify_token,
    verify_url,
)

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
VALID_FROM = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey.generate(key_id=3)


@pytest.fixture(scope="module")
def keys(key: SigningKey) -> dict[int, PublicKeyInfo]:
    return {key.key_id: key.public_info(VALID_FROM)}


def make_payload(key_id: object = 3, **changes: object) -> TokenPayload:
    fields: dict[str, object] = {
        "kind": ConfirmationKind.DUPLICATE,
        "serial": 140_400_123,
        "issued_on": datetime.date(2025, 8, 3),
        "holder_hash": holder_binding("0012345679", "علی رضایی"),
        "key_id": key_id,
    }
    fields.update(changes)
    return TokenPayload(**fields)  # type: ignore[arg-type]


def test_round_trip(key: SigningKey, keys: dict[int, PublicKeyInfo]) -> None:
    payload = make_payload()
    token = sign_token(payload, key)
    assert len(token) == TOKEN_LENGTH == 130
    assert set(token) <= set(ALPHABET)
    assert verify_token(token, keys) == payload
    decoded, signature, signed = decode_token(token)
    assert decoded == payload
    assert len(signature) == 64
    assert signed.endswith(payload.to_bytes())
    assert len(payload.to_bytes()) == PAYLOAD_SIZE


def test_round_trip_authenticity_kind_and_limits(
    key: SigningKey, keys: dict[int, PublicKeyInfo]
) -> None:
    payload = make_payload(
        kind=ConfirmationKind.AUTHENTICITY, serial=2**32 - 1, issued_on=datetime.date(2020, 1, 1)
    )
    assert verify_token(sign_token(payload, key), keys) == payload


@pytest.mark.parametrize(
    "changes",
    [
        {"serial": -1},
        {"serial": 2**32},
        {"issued_on": datetime.date(2019, 12, 31)},
        {"holder_hash": b"short"},
        {"kind": 9},
    ],
)
def test_payload_rejects_out_of_range(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        make_payload(**changes)


def test_flipping_any_character_never_verifies(
    key: SigningKey, keys: dict[int, PublicKeyInfo]
) -> None:
    token = sign_token(make_payload(), key)
    for position, original in enumerate(token):
        for replacement in ALPHABET:
            if replacement == original:
                continue
            tampered = token[:position] + replacement + token[position + 1 :]
            with pytest.raises((MalformedToken, UnknownKey, BadSignature)):
                verify_token(tampered, keys)


def test_swapped_key_id_is_rejected(key: SigningKey, keys: dict[int, PublicKeyInfo]) -> None:
    other = SigningKey.generate(key_id=4)
    both = {**keys, other.key_id: other.public_info(VALID_FROM)}
    token = sign_token(make_payload(), key)
    _, signature, _ = decode_token(token)
    # Re-label the payload as signed by key 4 but keep key 3's signature.
    relabelled = make_payload(key_id=4).to_bytes() + signature
    forged = base64.b32encode(relabelled).decode().rstrip("=")
    with pytest.raises(BadSignature):
        verify_token(forged, both)
    # A key published under the wrong id does not verify either.
    with pytest.raises(BadSignature):
        verify_token(token, {3: PublicKeyInfo(3, other.public_key_bytes(), VALID_FROM)})


def test_unknown_key(key: SigningKey) -> None:
    token = sign_token(make_payload(), key)
    with pytest.raises(UnknownKey) as caught:
        verify_token(token, {})
    assert caught.value.key_id == 3


def test_withdrawn_key(key: SigningKey) -> None:
    withdrawn_at = datetime.datetime(2025, 9, 1, tzinfo=datetime.UTC)
    token = sign_token(make_payload(), key)
    with pytest.raises(KeyWithdrawn) as caught:
        verify_token(token, {3: key.public_info(VALID_FROM, withdrawn_at)})
    assert caught.value.payload == make_payload()
    assert caught.value.withdrawn_at == withdrawn_at


def test_truncated_and_extended_tokens(key: SigningKey, keys: dict[int, PublicKeyInfo]) -> None:
    token = sign_token(make_payload(), key)
    for cut in (0, 1, 8, len(token) // 2, len(token) - 2, len(token) - 1):
        with pytest.raises(MalformedToken):
            verify_token(token[:cut], keys)
    with pytest.raises(MalformedToken):
        verify_token(token + "A", keys)
    with pytest.raises(MalformedToken):
        verify_token(token + "AAAAAAAA", keys)


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "   ",
        "hello",
        "0" * TOKEN_LENGTH,  # '0', '1', '8', '9' are not base32
        "A" * (TOKEN_LENGTH - 1) + "=",
        "Ä" * TOKEN_LENGTH,
        "۱" * TOKEN_LENGTH,
        "A" * TOKEN_LENGTH,  # decodes, but version 0
    ],
)
def test_garbage_is_malformed(garbage: str, keys: dict[int, PublicKeyInfo]) -> None:
    with pytest.raises(MalformedToken):
        verify_token(garbage, keys)


def test_wrong_version_is_malformed(key: SigningKey, keys: dict[int, PublicKeyInfo]) -> None:
    _, signature, _ = decode_token(sign_token(make_payload(), key))
    body = bytearray(make_payload().to_bytes())
    body[0] = 2
    with pytest.raises(MalformedToken):
        decode_token(base64.b32encode(bytes(body) + signature).decode().rstrip("="))


def test_lowercase_and_whitespace_tolerated(
    key: SigningKey, keys: dict[int, PublicKeyInfo]
) -> None:
    token = sign_token(make_payload(), key)
    assert verify_token(f"  {token.lower()}\n", keys) == make_payload()


def test_holder_binding_normalizes_spelling() -> None:
    reference = holder_binding("0012345679", "محمدحسین کاظمی")
    assert len(reference) == 8
    assert holder_binding("۰۰۱۲۳۴۵۶۷۹", "محمد حسين كاظمي") == reference
    assert holder_binding("001-234567-9", "محمد\u200cحسین  کاظمی ") == reference
    assert holder_binding("0012345679", "محمدحسن کاظمی") != reference
    assert holder_binding("0012345680", "محمدحسین کاظمی") != reference


def test_pem_round_trip(key: SigningKey, keys: dict[int, PublicKeyInfo]) -> None:
    loaded = SigningKey.from_pem(key.to_pem(), key_id=3)
    assert loaded.public_key_bytes() == key.public_key_bytes()
    assert verify_token(sign_token(make_payload(), loaded), keys) == make_payload()
    encrypted = key.to_pem(password=b"s3cret")
    assert b"ENCRYPTED" in encrypted
    assert SigningKey.from_pem(encrypted, 3, b"s3cret").public_key_bytes() == (
        key.public_key_bytes()
    )


def test_sign_rejects_mismatched_key_id(key: SigningKey) -> None:
    with pytest.raises(ValueError):
        sign_token(make_payload(key_id=7), key)


def test_public_key_info_json_round_trip(key: SigningKey) -> None:
    info = key.public_info(VALID_FROM, datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    as_json = json.dumps(info.to_dict())
    assert PublicKeyInfo.from_dict(json.loads(as_json)) == info
    assert json.loads(as_json)["withdrawn_at"] == "2026-01-01T00:00:00+00:00"
    assert PublicKeyInfo.from_dict(key.public_info(VALID_FROM).to_dict()).withdrawn_at is None


def test_verify_url_is_qr_alphanumeric(key: SigningKey) -> None:
    url = verify_url("HTTPS://VERIFY.EXAMPLE.IR/V/", sign_token(make_payload(), key))
    assert url.startswith("HTTPS://VERIFY.EXAMPLE.IR/V/")
    assert "//" not in url.removeprefix("HTTPS://")
    assert set(url) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


@pytest.mark.parametrize(
    ("national_code", "full_name", "expected"),
    [
        ("۰۰۱۳۵۴۲۴۱۹", "مريم احمدي", "b1c73a2f1cf4fa50"),
        ("0013542419", "مریم احمدی", "b1c73a2f1cf4fa50"),
        ("٠٠١٣٥٤٢٤١٩ ", "محمد\u200cحسین  آقائي", "8f18bf87e7fc2430"),
        ("12-34", "ــأحمدُ إِبراهيم ۀ", "dfbafb8de7ef4d93"),
    ],
)
def test_the_holder_binding_of_issued_qr_codes_never_changes(
    national_code: str, full_name: str, expected: str
) -> None:
    # Bytes from the first release: printed confirmations verify only while these hold
    # (domain.text's frozen keys).
    assert holder_binding(national_code, full_name).hex() == expected
