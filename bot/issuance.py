"""Issuing a confirmation once a request is approved: sign, render, keep, send.

Run from the outbox, so an approval is never left without its document: every step is
idempotent (the confirmation row is keyed by the request, the rendered files are kept and
reused), and a crash at any point means the outbox runs it again.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from telegram import Bot, InputFile

from domain import texts
from domain.digits import to_persian_digits
from domain.jalali import format_date
from domain.signing import verify_url
from domain.verification import display_serial
from rendering.chat import tracking_code
from rendering.confirmation import ConfirmationDoc, render_png_and_pdf
from rendering.letters import LetterDoc, render_letter
from storage.confirmations import ConfirmationView
from storage.models import utcnow
from storage.store import Store
from storage.views import RequestView

log = logging.getLogger(__name__)

DEEP_LINK_HOSTS = {"telegram": "https://t.me", "bale": "https://ble.ir"}


@dataclass(frozen=True)
class IssuerSettings:
    """What the printed document and its QR code need from the settings."""

    office_name: str
    signer_title: str
    verify_base_url: str | None
    platform: str
    admin_chat_id: int
    security_chat_id: int | None = None


class Issuer:
    """Signs, renders and delivers confirmations."""

    def __init__(self, bot: Bot, store: Store, settings: IssuerSettings) -> None:
        self._bot = bot
        self._store = store
        self._settings = settings

    def qr_content(self, confirmation: ConfirmationView) -> str:
        """The verification URL, or the bot's deep link when no VERIFY_BASE_URL is set."""
        if self._settings.verify_base_url:
            return verify_url(self._settings.verify_base_url, confirmation.token)
        host = DEEP_LINK_HOSTS.get(self._settings.platform, DEEP_LINK_HOSTS["telegram"])
        return f"{host}/{self._bot.username}?start={confirmation.reference}"

    async def issue(self, request_id: int) -> ConfirmationView:
        """Issue (or finish issuing) the confirmation of an approved request and send it."""
        request = await self._store.requests.get(request_id)
        signer = await self._signer_name(request_id)
        confirmation = await self._store.confirmations.issue(
            request_id, office=self._settings.office_name, signer_name=signer
        )
        if confirmation.pdf_path is None or confirmation.png_path is None:
            confirmation = await self._render(request, confirmation)
        await self._deliver(request, confirmation)
        return confirmation

    async def _signer_name(self, request_id: int) -> str | None:
        """The approver's name as recorded with the approval: their official name when an admin
        recorded one with ``/staff name``, else their display name (storage.workflow)."""
        history = await self._store.audit.history(request_id)
        return next(
            (e.actor_name for e in reversed(history) if e.action == "approve" and e.actor_name),
            None,
        )

    async def _render(
        self, request: RequestView, confirmation: ConfirmationView
    ) -> ConfirmationView:
        photo = None
        for attachment in request.attachments:
            if attachment.kind == "photo":
                photo = await self._store.files.read(attachment.stored_path)
        issued = format_date(confirmation.issued_at)
        details = request.details
        authenticity = confirmation.kind != "duplicate"
        doc = ConfirmationDoc(
            kind="duplicate" if confirmation.kind == "duplicate" else "authenticity",
            serial=display_serial(confirmation.serial),
            tracking_code=tracking_code(request.tracking_code),
            holder_full_name=request.full_name,
            father_name=request.father_name or "",
            national_code=request.national_code,
            birth_date=request.birth_date or "",
            trade=request.trade or "",
            certificate_number=request.certificate_number or texts.VALUE_NOT_KNOWN,
            certificate_year=str(request.certificate_year or texts.VALUE_NOT_KNOWN),
            training_centre=request.training_centre or texts.VALUE_NOT_KNOWN,
            issue_date=issued,
            office_name=confirmation.office,
            signer_name=confirmation.signer_name or "",
            signer_title=self._settings.signer_title,
            signature_date=issued,
            verify_url=self.qr_content(confirmation),
            photo=photo,
            requesting_organisation=str(details.get("org_name", "")) if authenticity else None,
            request_letter_number=str(details.get("letter_number", "")) if authenticity else None,
            request_letter_date=str(details.get("letter_date", "")) if authenticity else None,
            verdict=texts.AUTHENTICITY_VERDICT if authenticity else None,
        )
        png, pdf = await asyncio.to_thread(render_png_and_pdf, doc)
        stored_pdf = await self._store.files.put(pdf, "pdf")
        stored_png = await self._store.files.put(png, "png")
        await self._store.confirmations.set_files(
            confirmation.serial,
            pdf_path=stored_pdf.relative_path,
            png_path=stored_png.relative_path,
        )
        updated = await self._store.confirmations.for_request(request.id)
        assert updated is not None
        return updated

    async def _deliver(self, request: RequestView, confirmation: ConfirmationView) -> None:
        assert confirmation.pdf_path is not None and confirmation.png_path is not None
        pdf = await self._store.files.read(confirmation.pdf_path)
        png = await self._store.files.read(confirmation.png_path)
        serial = display_serial(confirmation.serial)
        caption = texts.CONFIRMATION_CAPTION.format(
            serial=to_persian_digits(serial), code=tracking_code(request.tracking_code)
        )
        name = f"confirmation-{serial}"
        # Staff and the security unit first: an applicant who blocked the bot must not keep
        # the office's own copies from being posted.
        await self._bot.send_document(
            self._settings.admin_chat_id,
            InputFile(pdf, filename=f"{name}.pdf"),
            caption=caption,
            reply_to_message_id=request.admin_message_id,
            allow_sending_without_reply=True,
        )
        if request.kind == "inquiry" and self._settings.security_chat_id is not None:
            # The seeds' rule: every inquiry answer is copied to the security unit.
            await self._bot.send_document(
                self._settings.security_chat_id,
                InputFile(pdf, filename=f"{name}.pdf"),
                caption=caption,
            )
        await self._bot.send_photo(
            request.applicant_chat_id, InputFile(png, filename=f"{name}.png"), caption=caption
        )
        await self._bot.send_document(
            request.applicant_chat_id, InputFile(pdf, filename=f"{name}.pdf"), caption=caption
        )

    async def letter(self, request: RequestView, kind: str, recipient: str) -> tuple[bytes, str]:
        """Render one of the office's letters about ``request``; returns the PDF and its name."""
        details = request.details
        act = "ask_centre" if kind == "centre_inquiry" else "forge"
        history = await self._store.audit.history(request.id)
        signer = next(
            (e.actor_name for e in reversed(history) if e.action == act and e.actor_name), ""
        )
        doc = LetterDoc(
            kind="centre_inquiry" if kind == "centre_inquiry" else "not_authentic",
            letter_number=f"TVTO-{request.tracking_code}",
            date=format_date(utcnow()),
            office_name=self._settings.office_name,
            recipient=recipient,
            subject=(
                texts.LETTER_SUBJECT_CENTRE
                if kind == "centre_inquiry"
                else texts.LETTER_SUBJECT_NOT_AUTHENTIC
            ),
            tracking_code=tracking_code(request.tracking_code),
            holder_full_name=request.full_name,
            national_code=request.national_code,
            trade=request.trade,
            certificate_number=request.certificate_number,
            certificate_year=str(request.certificate_year) if request.certificate_year else None,
            organisation_letter_number=_text(details.get("letter_number")),
            organisation_letter_date=_text(details.get("letter_date")),
            signer_name=signer,
            signer_title=self._settings.signer_title,
        )
        _png, pdf = await asyncio.to_thread(render_letter, doc)
        return pdf, f"{kind}-{request.tracking_code}.pdf"


def _text(value: object) -> str | None:
    return None if value is None else str(value)
