"""Issued confirmations and the keys that sign them.

The private signing key lives in a file (mode 0600) under DATA_DIR or at SIGNING_KEY_PATH and
never in the database; the database holds the public halves with their ids and validity, which
are published at /keys and copied to ``public-keys.json`` for offline verification.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain import signing
from domain.jalali import to_tehran
from domain.signing import PublicKeyInfo, SigningKey, TokenPayload
from domain.text import comparison_key
from domain.verification import KIND_CODES
from domain.workflow import Status
from storage import models
from storage.errors import KeyNotPublished, NotApproved, RequestNotFound, StorageError

log = logging.getLogger(__name__)

KEYS_TTL = 10.0  # seconds the published keys are cached in memory


@dataclass(frozen=True)
class ConfirmationView:
    """An issued confirmation, as the bot needs it to send the documents."""

    serial: int
    request_id: int
    kind: str
    token: str
    key_id: int
    issued_at: dt.datetime
    status: str
    pdf_path: str | None
    png_path: str | None
    signer_name: str | None
    office: str

    @property
    def reference(self) -> str:
        """A short in-chat reference (deep-link payload): serial and a piece of the signature."""
        return reference_of(self.serial, self.token)


def reference_of(serial: int, token: str) -> str:
    """``v_<serial>_<last 12 token characters>``: fits Telegram's 64-character start limit."""
    return f"v_{serial}_{token.strip().upper()[-12:]}"


def _view(row: models.Confirmation) -> ConfirmationView:
    return ConfirmationView(
        serial=row.serial,
        request_id=row.request_id,
        kind=row.kind,
        token=row.token,
        key_id=row.key_id,
        issued_at=row.issued_at,
        status=row.status,
        pdf_path=row.pdf_path,
        png_path=row.png_path,
        signer_name=row.signer_name,
        office=row.office,
    )


# The columns in Record's field order: a row becomes Record(*values).
def certificate_key(request: models.Request) -> str:
    """Which certificate a request is about: holder and certificate number (or trade)."""
    which = request.certificate_number or comparison_key(request.trade or "")
    return f"{request.national_code}|{which}"[:120]


class KeyRing:
    """The signing key in its file, and the published keys in the database."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], key_path: Path, public_file: Path
    ) -> None:
        self._sessions = sessions
        self.key_path = key_path
        self.public_file = public_file
        self._current: SigningKey | None = None
        self._published: tuple[float, dict[int, PublicKeyInfo]] | None = None

    async def current(self) -> SigningKey:
        """The key new confirmations are signed with; generated on first use if missing."""
        if self._current is None:
            self._current = await self._load_or_create()
        return self._current

    async def _load_or_create(self) -> SigningKey:
        if not self.key_path.exists():
            log.warning(
                "no signing key at %s: generating a new one (mode 0600); back it up", self.key_path
            )
            # Another instance sharing DATA_DIR may make it first: then use theirs.
            with contextlib.suppress(FileExistsError):
                await asyncio.to_thread(
                    _write_private, self.key_path, SigningKey.generate(key_id=0).to_pem()
                )
        pem = await asyncio.to_thread(self.key_path.read_bytes)
        key = SigningKey.from_pem(pem, key_id=0)
        for _attempt in range(5):
            try:
                key_id = await self._publish(key)
                break
            except IntegrityError:
                continue  # another instance published a key under the same id at once
        else:
            raise StorageError("could not publish the signing key")
        await self.export()
        return SigningKey(key.private_key, key_id)

    async def _publish(self, key: SigningKey) -> int:
        """The id under which ``key``'s public half is published (publishing it if new)."""
        public_hex = key.public_key_bytes().hex()
        async with self._sessions.begin() as session:
            row = (
                await session.scalars(
                    select(models.SigningKeyRecord).where(
                        models.SigningKeyRecord.public_key == public_hex
                    )
                )
            ).first()
            if row is not None:
                return row.key_id
            highest = await session.scalar(select(func.max(models.SigningKeyRecord.key_id)))
            key_id = (highest or 0) + 1
            if key_id > 255:
                raise StorageError("no key ids left (255 keys published)")
            session.add(models.SigningKeyRecord(key_id=key_id, public_key=public_hex))
            self._published = None
            return key_id

    async def rotate(self) -> SigningKey:
        """Start signing with a new key; the old one stays valid until withdrawn."""
        old = await self.current()
        archived = self.key_path.with_name(f"{self.key_path.stem}.{old.key_id}.pem")
        await asyncio.to_thread(os.replace, self.key_path, archived)
        self._current = None
        key = await self.current()
        log.info("signing key rotated: %s -> %s", old.key_id, key.key_id)
        return key

    async def withdraw(self, key_id: int) -> bool:
        """Stop trusting a key (after a compromise, say): its tokens no longer verify."""
        self._published = None
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(models.SigningKeyRecord)
                .where(
                    models.SigningKeyRecord.key_id == key_id,
                    models.SigningKeyRecord.withdrawn_at.is_(None),
                )
                .values(withdrawn_at=models.utcnow())
            )
        self._published = None
        await self.export()
        return bool(getattr(result, "rowcount", 0))

    async def public_keys(self) -> dict[int, PublicKeyInfo]:
        """Every published key by id, withdrawn ones included (marked).

        Kept for :data:`KEYS_TTL` seconds: every verification needs them, and a withdrawal
        made by another instance is seen within that time.
        """
        now = time.monotonic()
        if self._published is not None and now - self._published[0] < KEYS_TTL:
            return self._published[1]
        keys = await self._load_public_keys()
        self._published = (now, keys)
        return keys

    async def _load_public_keys(self) -> dict[int, PublicKeyInfo]:
        async with self._sessions() as session:
            rows = (await session.scalars(select(models.SigningKeyRecord))).all()
        return {
            r.key_id: PublicKeyInfo(
                r.key_id, bytes.fromhex(r.public_key), r.valid_from, r.withdrawn_at
            )
            for r in rows
        }

    async def export(self) -> None:
        """Write the public keys to ``public-keys.json`` for offline verifiers."""
        keys = await self.public_keys()
        document = {"keys": [k.to_dict() for k in sorted(keys.values(), key=lambda k: k.key_id)]}
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        await asyncio.to_thread(_write_atomic, self.public_file, text.encode())


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    temporary.write_bytes(data)
    os.replace(temporary, path)


class ConfirmationService:
    """Issuing and finding confirmations (sessions; verifying them is
    storage.verification.VerificationService's)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], keys: KeyRing) -> None:
        self._sessions = sessions
        self.keys = keys

    async def issue(
        self, request_id: int, *, office: str, signer_name: str | None
    ) -> ConfirmationView:
        """Sign a confirmation for an approved request; issuing again returns the same one.

        A new duplicate supersedes the earlier current one for the same certificate.
        """
        key = await self.keys.current()
        published = await self.keys.public_keys()
        now = models.utcnow()
        async with self._sessions.begin() as session:
            existing = (
                await session.scalars(
                    select(models.Confirmation).where(models.Confirmation.request_id == request_id)
                )
            ).first()
            if existing is not None:
                return _view(existing)
            request = await session.get(models.Request, request_id)
            if request is None:
                raise RequestNotFound(request_id)
            if request.status != Status.APPROVED.value:
                raise NotApproved(request.status)
            kind = "duplicate" if request.kind == "duplicate" else "authenticity"
            row = models.Confirmation(
                request_id=request_id,
                kind=kind,
                key_id=key.key_id,
                token=f"pending-{uuid.uuid4()}",
                issued_at=now,
                status="current",
                certificate_key=certificate_key(request),
                holder_name=request.full_name,
                trade=request.trade,
                certificate_number=request.certificate_number,
                office=office,
                signer_name=signer_name,
            )
            session.add(row)
            await session.flush()
            payload = TokenPayload(
                kind=KIND_CODES[kind],
                serial=row.serial,
                issued_on=to_tehran(now).date(),
                holder_hash=signing.holder_binding(request.national_code, request.full_name),
                key_id=key.key_id,
            )
            row.token = signing.sign_token(payload, key)
            # Nothing enters the store that does not verify against the published keys:
            # verification trusts a token the store holds as issued (domain.verification).
            try:
                signing.verify_token(row.token, published)
            except signing.TokenError as error:
                raise KeyNotPublished(type(error).__name__) from None
            if kind == "duplicate":
                await session.execute(
                    update(models.Confirmation)
                    .where(
                        models.Confirmation.certificate_key == row.certificate_key,
                        models.Confirmation.kind == "duplicate",
                        models.Confirmation.status == "current",
                        models.Confirmation.serial != row.serial,
                    )
                    .values(status="superseded", superseded_by=row.serial, superseded_at=now)
                )
            view = _view(row)
        log.info("confirmation %s issued for request %s", view.serial, request_id)
        return view

    async def set_files(self, serial: int, *, pdf_path: str, png_path: str) -> None:
        """Remember where the rendered documents are kept."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(models.Confirmation)
                .where(models.Confirmation.serial == serial)
                .values(pdf_path=pdf_path, png_path=png_path)
            )

    async def for_request(self, request_id: int) -> ConfirmationView | None:
        """The confirmation issued for a request, if any."""
        async with self._sessions() as session:
            row = (
                await session.scalars(
                    select(models.Confirmation).where(models.Confirmation.request_id == request_id)
                )
            ).first()
            return _view(row) if row else None
