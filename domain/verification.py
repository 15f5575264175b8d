"""One verdict for every way of checking a confirmation: web page, chat and command line.

The token's signature says whether the office issued it; the store says whether it still
stands. A token the store holds exactly as it issued it is not checked against its signature
again: the store checks every token against the published keys before keeping it (see
``storage.confirmations``), and the published keys live in that same store, so a second check
could only fail if the store itself were altered, which it could not detect either. The key is
still looked up, so a withdrawn key's confirmations stop verifying at once. Every other token
(not in the store, or not the one issued under its serial) has its signature checked.

Only the minimum is ever shown: a masked name, the trade, the serials, the issue date and the
office — never the national code, father's name, birth date or photo.
"""

from __future__ import annotations

import datetime as dt
import enum
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from domain import signing
from domain.signing import PublicKeyInfo, TokenPayload


class Verdict(enum.StrEnum):
    """What a verifier is told."""

    GENUINE = "genuine"  # signed by the office, and current
    REVOKED = "revoked"
    SUPERSEDED = "superseded"
    INVALID = "invalid_signature"  # not signed by a trusted key, or altered
    UNKNOWN = "unknown"  # signed, but the store does not know it (or no store to ask)


@dataclass(frozen=True)
class Record:
    """What the store knows of one issued confirmation, as much as a verdict needs."""

    serial: int
    kind: str
    token: str
    status: str  # current | revoked | superseded
    holder_name: str
    trade: str | None
    certificate_number: str | None
    office: str
    revoked_at: dt.datetime | None = None
    revoke_reason: str | None = None
    superseded_by: int | None = None


@dataclass(frozen=True)
class Result:
    """A verdict and the little a verifier may see."""

    verdict: Verdict
    reason: str = ""  # machine-readable detail: bad_signature, unknown_key, key_withdrawn, …
    serial: int | None = None
    kind: str | None = None
    masked_name: str | None = None
    trade: str | None = None
    certificate_number: str | None = None
    issued_on: dt.date | None = None
    office: str | None = None
    revoked_at: dt.datetime | None = None
    revoke_reason: str | None = None
    superseded_by: int | None = None
    signature_valid: bool = False

    def public(self) -> dict[str, Any]:
        """The JSON a verifier receives."""
        return {
            "verdict": self.verdict.value,
            "reason": self.reason or None,
            "signature_valid": self.signature_valid,
            "serial": display_serial(self.serial) if self.serial is not None else None,
            "kind": self.kind,
            "holder": self.masked_name,
            "trade": self.trade,
            "certificate_number": self.certificate_number,
            "issued_on": self.issued_on.isoformat() if self.issued_on else None,
            "office": self.office,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "revoke_reason": self.revoke_reason,
            "superseded_by": (
                display_serial(self.superseded_by) if self.superseded_by is not None else None
            ),
        }


KIND_NAMES = {
    signing.ConfirmationKind.DUPLICATE: "duplicate",
    signing.ConfirmationKind.AUTHENTICITY: "authenticity",
}
KIND_CODES = {name: kind for kind, name in KIND_NAMES.items()}


def display_serial(serial: int) -> str:
    """A confirmation serial as printed: seven digits."""
    return f"{serial:07d}"


def mask_name(full_name: str) -> str:
    """«علی رضایی» → «ع*** ر***»: the first letter of each word."""
    return " ".join(word[0] + "***" for word in full_name.split() if word)


def check_token(
    token: str, keys: Mapping[int, PublicKeyInfo], decoded: signing.Decoded | None = None
) -> tuple[TokenPayload | None, str]:
    """The signed payload, or None and why not (``decoded``: the token already decoded)."""
    try:
        return signing.verify_token(token, keys, decoded=decoded), ""
    except signing.MalformedToken:
        return None, "malformed"
    except signing.UnknownKey:
        return None, "unknown_key"
    except signing.KeyWithdrawn:
        return None, "key_withdrawn"
    except signing.BadSignature:
        return None, "bad_signature"


def judge(
    token: str,
    keys: Mapping[int, PublicKeyInfo],
    record: Record | None,
    decoded: signing.Decoded | None = None,
) -> Result:
    """The verdict on ``token`` given the published ``keys`` and the store's ``record``.

    ``record`` is what the store holds under the token's serial (None: nothing, or no store);
    ``decoded`` is the token already decoded, if the caller has it.
    """
    if record is not None and _issued_as_is(token, record):
        try:
            issued = (decoded or signing.decode_token(token))[0]
        except signing.MalformedToken:
            return Result(Verdict.INVALID, reason="malformed")
        info = keys.get(issued.key_id)
        if info is None:
            return Result(Verdict.INVALID, reason="unknown_key")
        if info.withdrawn_at is not None:
            return Result(Verdict.INVALID, reason="key_withdrawn")
        return _standing(record, issued)
    payload, why = check_token(token, keys, decoded)
    if payload is None:
        return Result(Verdict.INVALID, reason=why)
    kind = KIND_NAMES[payload.kind]
    if record is None:
        return Result(
            Verdict.UNKNOWN,
            reason="not_in_store",
            serial=payload.serial,
            kind=kind,
            issued_on=payload.issued_on,
            signature_valid=True,
        )
    # Signed, but not the confirmation the store issued under this serial.
    return Result(Verdict.INVALID, reason="mismatch", signature_valid=True)


def _issued_as_is(token: str, record: Record) -> bool:
    """Whether ``token`` is the one the store issued under the record's serial (compared in
    constant time: how long a wrong guess takes must not tell how much of it was right)."""
    given = token.strip().upper()
    return given.isascii() and hmac.compare_digest(given, record.token.upper())


def _standing(record: Record, payload: TokenPayload) -> Result:
    """The verdict on the confirmation the store issued, as the store says it stands."""
    verdict = {
        "revoked": Verdict.REVOKED,
        "superseded": Verdict.SUPERSEDED,
    }.get(record.status, Verdict.GENUINE)
    return Result(
        verdict,
        serial=record.serial,
        kind=record.kind,
        masked_name=mask_name(record.holder_name),
        trade=record.trade,
        certificate_number=record.certificate_number,
        issued_on=payload.issued_on,
        office=record.office,
        revoked_at=record.revoked_at,
        revoke_reason=record.revoke_reason,
        superseded_by=record.superseded_by,
        signature_valid=True,
    )


def holder_matches(token: str, national_code: str, record: Record) -> bool:
    """Whether ``national_code`` is the holder's, by the hash the token binds."""
    try:
        payload, _, _ = signing.decode_token(token)
    except signing.MalformedToken:
        return False
    try:
        candidate = signing.holder_binding(national_code, record.holder_name)
    except ValueError:
        return False
    return candidate == payload.holder_hash
