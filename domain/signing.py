"""Signed, QR-friendly tokens that let anyone verify a confirmation document.

A token is ``BASE32(payload || signature)``: RFC 4648 base32, upper case, no padding, so a
verify URL made only of upper-case letters, digits and ``:/.-`` fits QR *alphanumeric* mode
(about 5.5 bits per character instead of 8).

Payload layout, version 1 (17 bytes, big-endian)::

    offset size field
    0      1    version      (1)
    1      1    kind         (1 = duplicate value confirmation, 2 = authenticity confirmation)
    2      4    serial       (unsigned 32-bit confirmation serial number)
    6      2    issued_on    (days since 2020-01-01, unsigned 16-bit: up to 2199-06-06)
    8      8    holder_hash  (first 8 bytes of SHA-256 over the normalised holder, see below)
    16     1    key_id       (which signing key; the verifier looks it up among published keys)

The signature is Ed25519 over ``SIGNING_CONTEXT + payload`` (the context is not transmitted:
it only keeps these signatures from being valid for any other message format). With the
64-byte signature a token is 81 bytes, i.e. exactly 130 base32 characters.

The serial is an *integer* (the confirmation's sequence number); how it is shown on paper
(prefixes, Persian digits) is the document's concern, not the token's.

The holder hash binds the token to one person without printing who it is: a verifier who has
the paper (or the person) recomputes :func:`holder_binding` from the national code and name and
compares. It is not secrecy against a determined guesser: national codes have little entropy,
so someone who knows the name could try every code. That is acceptable because the same data is
printed on the document itself.

Verify URLs: QR alphanumeric mode has no lower-case letters, so configure the base URL in upper
case, e.g. ``HTTPS://VERIFY.EXAMPLE.IR/V/`` (scheme and host are case-insensitive; the web
route must accept the upper-case path ``/V/`` as well as ``/v/``). :func:`verify_url` builds it;
decoding here accepts lower case, so a token typed by hand in lower case still verifies.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from nacl.bindings import crypto_sign_open
from nacl.exceptions import CryptoError

from domain.text import frozen_name_key, frozen_national_code_key

__all__ = [
    "EPOCH",
    "HOLDER_HASH_SIZE",
    "PAYLOAD_SIZE",
    "SIGNATURE_SIZE",
    "SIGNING_CONTEXT",
    "TOKEN_LENGTH",
    "TOKEN_VERSION",
    "BadSignature",
    "ConfirmationKind",
    "Decoded",
    "KeyWithdrawn",
    "MalformedToken",
    "PublicKeyInfo",
    "SigningKey",
    "TokenError",
    "TokenPayload",
    "UnknownKey",
    "decode_token",
    "holder_binding",
    "sign_token",
    "verify_token",
    "verify_url",
]

TOKEN_VERSION = 1
EPOCH = datetime.date(2020, 1, 1)
HOLDER_HASH_SIZE = 8
SIGNATURE_SIZE = 64
SIGNING_CONTEXT = b"TVTO-CONFIRMATION-TOKEN\x00"

_PAYLOAD = struct.Struct(f">BBIH{HOLDER_HASH_SIZE}sB")
PAYLOAD_SIZE = _PAYLOAD.size
TOKEN_LENGTH = -(-(PAYLOAD_SIZE + SIGNATURE_SIZE) * 8 // 5)

_MAX_SERIAL = 2**32 - 1
_MAX_DAYS = 2**16 - 1
_MAX_KEY_ID = 255
_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
# Decoding reads the whole token as one base-32 number: RFC 4648's digits A-Z, 2-7 become the
# digits 0-9, a-v that int(…, 32) reads. Several times cheaper than base64.b32decode, which
# loops in Python; every verification decodes a token.
_BASE32_AS_INT_DIGITS = str.maketrans(
    _BASE32 + "0189_+-", "0123456789abcdefghijklmnopqrstuv" + "!" * 7
)
_TOKEN_BYTES = PAYLOAD_SIZE + SIGNATURE_SIZE
_PAD_BITS = TOKEN_LENGTH * 5 - _TOKEN_BYTES * 8  # unused trailing bits, which must be zero


class ConfirmationKind(IntEnum):
    """What a confirmation document confirms; the value is the token's kind byte."""

    DUPLICATE = 1
    AUTHENTICITY = 2


_KINDS = {int(kind): kind for kind in ConfirmationKind}


# --- Errors ----------------------------------------------------------------------------------


class TokenError(Exception):
    """Base of every reason a token is not accepted."""


class MalformedToken(TokenError):
    """The text is not a token of a format this code knows."""


class UnknownKey(TokenError):
    """The token names a key id that is not among the published keys."""

    def __init__(self, key_id: int) -> None:
        super().__init__(f"unknown signing key id {key_id}")
        self.key_id = key_id


class BadSignature(TokenError):
    """The signature does not match the payload under the named key."""


class KeyWithdrawn(TokenError):
    """The signature is genuine but its key has been withdrawn (e.g. after a compromise)."""

    def __init__(self, payload: TokenPayload, withdrawn_at: datetime.datetime) -> None:
        super().__init__(f"signing key {payload.key_id} was withdrawn at {withdrawn_at}")
        self.payload = payload
        self.withdrawn_at = withdrawn_at


# --- Payload ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenPayload:
    """The signed facts of one confirmation document."""

    kind: ConfirmationKind
    serial: int
    issued_on: datetime.date
    holder_hash: bytes
    key_id: int

    def __post_init__(self) -> None:
        # Normalise a plain int kind to the enum; reject anything else.
        try:
            object.__setattr__(self, "kind", ConfirmationKind(self.kind))
        except ValueError:
            raise ValueError(f"unknown confirmation kind {self.kind!r}") from None
        if not 0 <= self.serial <= _MAX_SERIAL:
            raise ValueError(f"serial must be in 0..{_MAX_SERIAL}, got {self.serial}")
        days = (self.issued_on - EPOCH).days
        if not 0 <= days <= _MAX_DAYS:
            raise ValueError(f"issue date {self.issued_on} is outside the token's date range")
        if len(self.holder_hash) != HOLDER_HASH_SIZE:
            raise ValueError(f"holder_hash must be {HOLDER_HASH_SIZE} bytes")
        if not 0 <= self.key_id <= _MAX_KEY_ID:
            raise ValueError(f"key_id must be in 0..{_MAX_KEY_ID}, got {self.key_id}")

    def to_bytes(self) -> bytes:
        """The canonical binary payload (see the module docstring for the layout)."""
        return _PAYLOAD.pack(
            TOKEN_VERSION,
            int(self.kind),
            self.serial,
            (self.issued_on - EPOCH).days,
            self.holder_hash,
            self.key_id,
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> TokenPayload:
        """Parse a canonical payload; raises :class:`MalformedToken`."""
        if len(data) != PAYLOAD_SIZE:
            raise MalformedToken(f"payload must be {PAYLOAD_SIZE} bytes, got {len(data)}")
        version, kind, serial, days, holder_hash, key_id = _PAYLOAD.unpack(data)
        if version != TOKEN_VERSION:
            raise MalformedToken(f"unsupported token version {version}")
        known = _KINDS.get(kind)
        if known is None:
            raise MalformedToken(f"unknown confirmation kind {kind!r}")
        # The struct's field widths are the payload's limits, so the fields need no further
        # checks: the instance is made without __post_init__ (every token read comes here).
        payload = object.__new__(cls)
        payload.__dict__.update(
            kind=known,
            serial=serial,
            issued_on=EPOCH + datetime.timedelta(days=days),
            holder_hash=holder_hash,
            key_id=key_id,
        )
        return payload


# --- Holder binding --------------------------------------------------------------------------


def holder_binding(national_code: str, full_name: str) -> bytes:
    """The token's holder hash: SHA-256(national code | full name), first 8 bytes."""
    material = f"{frozen_national_code_key(national_code)}|{frozen_name_key(full_name)}"
    return hashlib.sha256(material.encode("utf-8")).digest()[:HOLDER_HASH_SIZE]


# --- Keys ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicKeyInfo:
    """One published verification key, as served by a ``/keys`` endpoint."""

    key_id: int
    public_key_bytes: bytes
    valid_from: datetime.datetime
    withdrawn_at: datetime.datetime | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.key_id <= _MAX_KEY_ID:
            raise ValueError(f"key_id must be in 0..{_MAX_KEY_ID}, got {self.key_id}")
        if len(self.public_key_bytes) != 32:
            raise ValueError("an Ed25519 public key is 32 bytes")

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form: the key is URL-safe base64 without padding (like a JWK's ``x``)."""
        return {
            "key_id": self.key_id,
            "algorithm": "Ed25519",
            "public_key": base64.urlsafe_b64encode(self.public_key_bytes).rstrip(b"=").decode(),
            "valid_from": self.valid_from.isoformat(),
            "withdrawn_at": None if self.withdrawn_at is None else self.withdrawn_at.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PublicKeyInfo:
        """Inverse of :meth:`to_dict`; raises ``ValueError`` on a malformed entry."""
        if data.get("algorithm", "Ed25519") != "Ed25519":
            raise ValueError(f"unsupported key algorithm {data.get('algorithm')!r}")
        encoded = str(data["public_key"])
        try:
            raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except (binascii.Error, ValueError) as exc:
            raise ValueError("public_key is not base64") from exc
        withdrawn = data.get("withdrawn_at")
        return cls(
            key_id=int(data["key_id"]),
            public_key_bytes=raw,
            valid_from=datetime.datetime.fromisoformat(str(data["valid_from"])),
            withdrawn_at=None if withdrawn is None else datetime.datetime.fromisoformat(withdrawn),
        )


@dataclass(frozen=True)
class SigningKey:
    """A private Ed25519 key and the id under which its public half is published.

    PEM holds only the key; the key id is configuration kept next to it.
    """

    private_key: Ed25519PrivateKey
    key_id: int

    def __post_init__(self) -> None:
        if not 0 <= self.key_id <= _MAX_KEY_ID:
            raise ValueError(f"key_id must be in 0..{_MAX_KEY_ID}, got {self.key_id}")

    @classmethod
    def generate(cls, key_id: int = 1) -> SigningKey:
        return cls(Ed25519PrivateKey.generate(), key_id)

    def to_pem(self, password: bytes | None = None) -> bytes:
        """PKCS#8 PEM, encrypted with ``password`` when one is given."""
        encryption: serialization.KeySerializationEncryption = (
            serialization.NoEncryption()
            if password is None
            else serialization.BestAvailableEncryption(password)
        )
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )

    @classmethod
    def from_pem(cls, pem: bytes, key_id: int, password: bytes | None = None) -> SigningKey:
        """Load a PKCS#8 PEM Ed25519 key; raises ``ValueError`` for any other key type."""
        key = serialization.load_pem_private_key(pem, password=password)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the PEM does not hold an Ed25519 private key")
        return cls(key, key_id)

    def public_key_bytes(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    def public_info(
        self, valid_from: datetime.datetime, withdrawn_at: datetime.datetime | None = None
    ) -> PublicKeyInfo:
        return PublicKeyInfo(self.key_id, self.public_key_bytes(), valid_from, withdrawn_at)


# --- Tokens ----------------------------------------------------------------------------------


def _encode(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=")


def sign_token(payload: TokenPayload, key: SigningKey) -> str:
    """Sign ``payload`` with ``key`` and return the token text."""
    if payload.key_id != key.key_id:
        raise ValueError(f"payload names key {payload.key_id} but is signed with {key.key_id}")
    body = payload.to_bytes()
    signature = key.private_key.sign(SIGNING_CONTEXT + body)
    return _encode(body + signature)


# What decode_token returns: the payload, the signature and the bytes the signature covers.
Decoded = tuple[TokenPayload, bytes, bytes]


def decode_token(token: str) -> Decoded:
    """Parse a token without checking its signature.

    Returns ``(payload, signature, signed_bytes)`` where ``signed_bytes`` is exactly what the
    signature covers. Lower case and surrounding whitespace are accepted; anything else that is
    not the canonical encoding of a well-formed payload raises :class:`MalformedToken`.
    """
    text = token.strip().upper()
    if len(text) != TOKEN_LENGTH:
        raise MalformedToken(f"a token has {TOKEN_LENGTH} characters, got {len(text)}")
    # Outside the alphabet, int() would still take ASCII 0, 1, 8, 9 and "_" (mapped to "!"
    # by the table, which int() refuses) and other scripts' digits (refused by isascii).
    try:
        if not text.isascii():
            raise ValueError
        value = int(text.translate(_BASE32_AS_INT_DIGITS), 32)
    except ValueError:
        raise MalformedToken("a token has only the characters A-Z and 2-7") from None
    # Unused trailing bits must be zero: otherwise two texts would decode to one token.
    if value & ((1 << _PAD_BITS) - 1):
        raise MalformedToken("not the canonical encoding")
    raw = (value >> _PAD_BITS).to_bytes(_TOKEN_BYTES, "big")
    body, signature = raw[:PAYLOAD_SIZE], raw[PAYLOAD_SIZE:]
    payload = TokenPayload.from_bytes(body)
    return payload, signature, SIGNING_CONTEXT + body


def verify_token(
    token: str, public_keys: Mapping[int, PublicKeyInfo], *, decoded: Decoded | None = None
) -> TokenPayload:
    """Check a token against the published keys and return its payload.

    ``decoded`` is :func:`decode_token`'s answer for ``token`` when the caller has it already.
    Raises :class:`MalformedToken`, :class:`UnknownKey`, :class:`BadSignature` or, for a genuine
    signature by a key that has since been withdrawn, :class:`KeyWithdrawn`.
    """
    payload, signature, signed = decoded or decode_token(token)
    info = public_keys.get(payload.key_id)
    if info is None or info.key_id != payload.key_id:
        raise UnknownKey(payload.key_id)
    # libsodium (PyNaCl) checks an Ed25519 signature in half the time OpenSSL takes (measured
    # 52 against 103 us), and more strictly: non-canonical signatures and small-order keys are
    # refused. The signatures themselves are the same (RFC 8032 is deterministic).
    try:
        crypto_sign_open(signature + signed, info.public_key_bytes)
    except CryptoError:
        raise BadSignature("the signature does not match") from None
    if info.withdrawn_at is not None:
        raise KeyWithdrawn(payload, info.withdrawn_at)
    return payload


def verify_url(base_url: str, token: str) -> str:
    """``base_url`` joined with ``token`` by exactly one slash.

    Pass a base URL such as ``HTTPS://VERIFY.EXAMPLE.IR/V`` (all upper case) so the whole URL
    stays within the QR alphanumeric character set.
    """
    return f"{base_url.rstrip('/')}/{token}"
