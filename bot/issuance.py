"""Issuing a confirmation once a request is approved: sign, render, keep, send; and the
office's letters once a signer signed them.

Run from the outbox, so an approval is never left without its document: every step is
idempotent (the confirmation row is keyed by the request, the rendered files are kept and
reused), and a crash at any point means the outbox runs it again.

What a document prints as its signer is the signing act's record in the audit trail: the
official name and title the signer had when they approved or signed (storage.workflow).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram import Bot, InputFile

from domain import texts
from domain.digits import to_persian_digits
from domain.jalali import format_date
from domain.signing import verify_url
from domain.verification import display_serial
from domain.workflow import LETTER_OF_KIND, Act
from rendering.chat import tracking_code
from storage.audit import AuditView
from storage.confirmations import ConfirmationView
from storage.models import utcnow
from storage.store import Store
from storage.views import RequestView

if TYPE_CHECKING:
    from rendering.confirmation import ConfirmationDoc
    from rendering.letters import LetterDoc

log = logging.getLogger(__name__)

DEEP_LINK_HOSTS = {"telegram": "https://t.me", "bale": "https://ble.ir"}


@dataclass(frozen=True)
class Signature:
    """Who a document names as its signer, as the signing act recorded them."""

    name: str
    title: str


@dataclass(frozen=True)
class Letterhead:
    """What every document of the office carries above and below its text."""

    parent_body: str | None = texts.DEFAULT_PARENT_BODY
    logo: bytes | None = field(default=None, repr=False)
    address: str | None = None
    phone: str | None = None
    postcode: str | None = None

    def fields(self) -> dict[str, Any]:
        """As ConfirmationDoc's and LetterDoc's fields."""
        return {
            "parent_body": self.parent_body,
            "logo": self.logo,
            "footer_address": self.address,
            "footer_phone": self.phone,
            "footer_postcode": self.postcode,
        }


@dataclass(frozen=True)
class IssuerSettings:
    """What the printed document and its QR code need from the settings.

    ``signer_title`` (SIGNER_TITLE) is printed only under a signature recorded before staff
    had official titles (an approval or letter from before migration 0003); every signature
    since prints its signer's own title.
    """

    office_name: str
    signer_title: str
    verify_base_url: str | None
    platform: str
    admin_chat_id: int
    security_chat_id: int | None = None
    # The letterhead and the foot of every document (PARENT_BODY, LOGO_PATH, OFFICE_*).
    letterhead: Letterhead = Letterhead()


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
        approval = await self._signed(request_id, Act.APPROVE)
        confirmation = await self._store.confirmations.issue(
            request_id,
            office=self._settings.office_name,
            signer_name=approval.actor_name if approval is not None else None,
        )
        if confirmation.pdf_path is None or confirmation.png_path is None:
            confirmation = await self._render(request, confirmation)
        await self._deliver(request, confirmation)
        return confirmation

    async def _signed(self, request_id: int, act: Act) -> AuditView | None:
        """The latest time ``act`` was done on the request, as the audit trail recorded it."""
        history = await self._store.audit.history(request_id, done_only=True)
        return next((e for e in reversed(history) if e.action == act.value), None)

    def _signature(self, entry: AuditView | None, name: str | None = None) -> Signature:
        """What ``entry`` (a signing act) prints: the name and title recorded with it; the
        SIGNER_TITLE setting only under a signature recorded before staff had titles."""
        return Signature(
            name=name or (entry.actor_name if entry is not None else None) or "",
            title=(entry.actor_title if entry is not None else None)
            or self._settings.signer_title,
        )

    async def confirmation_doc(
        self, request: RequestView, confirmation: ConfirmationView
    ) -> ConfirmationDoc:
        """The confirmation of ``request`` as it is printed, signed by its approver."""
        photo = None
        for attachment in request.attachments:
            if attachment.kind == "photo":
                photo = await self._store.files.read(attachment.stored_path)
        # The name is the one the confirmation was issued under; the title the approval's.
        signer = self._signature(
            await self._signed(request.id, Act.APPROVE), confirmation.signer_name
        )
        issued = format_date(confirmation.issued_at)
        details = request.details
        authenticity = confirmation.kind != "duplicate"
        from rendering.confirmation import ConfirmationDoc

        return ConfirmationDoc(
            kind="duplicate" if confirmation.kind == "duplicate" else "authenticity",
            serial=display_serial(confirmation.serial),
            tracking_code=tracking_code(request.tracking_code),
            holder_full_name=request.full_name,
            # A field the request does not hold is left off the document.
            father_name=request.father_name,
            national_code=request.national_code,
            birth_date=request.birth_date,
            trade=request.trade,
            certificate_number=request.certificate_number,
            certificate_year=str(request.certificate_year) if request.certificate_year else None,
            training_centre=request.training_centre,
            issue_date=issued,
            office_name=confirmation.office,
            signer_name=signer.name,
            signer_title=signer.title,
            signature_date=issued,
            verify_url=self.qr_content(confirmation),
            photo=photo,
            requesting_organisation=str(details.get("org_name", "")) if authenticity else None,
            request_letter_number=str(details.get("letter_number", "")) if authenticity else None,
            request_letter_date=str(details.get("letter_date", "")) if authenticity else None,
            verdict=texts.AUTHENTICITY_VERDICT if authenticity else None,
            # The seeds' rule: every inquiry answer is copied to the security unit.
            copies=(texts.DOC_COPY_SECURITY,) if authenticity else (),
            **self._settings.letterhead.fields(),
        )

    async def _render(
        self, request: RequestView, confirmation: ConfirmationView
    ) -> ConfirmationView:
        doc = await self.confirmation_doc(request, confirmation)
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
        doc = await self.letter_doc(request, kind, recipient)
        _png, pdf = await asyncio.to_thread(render_letter, doc)
        return pdf, f"{kind}-{request.tracking_code}.pdf"

    async def letter_doc(self, request: RequestView, kind: str, recipient: str) -> LetterDoc:
        """The letter of ``kind`` about ``request`` to ``recipient`` as it is printed, signed by
        the signer who signed its draft. (A letter drafted before letters were signed, still
        owed after the upgrade, names whoever drafted it, as it did then.)"""
        details = request.details
        letter = LETTER_OF_KIND["centre_inquiry" if kind == "centre_inquiry" else "not_authentic"]
        signed = await self._signed(request.id, letter.sign)
        signer = self._signature(signed or await self._signed(request.id, letter.draft))
        from rendering.letters import LetterDoc

        return LetterDoc(
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
            signer_name=signer.name,
            signer_title=signer.title,
            copies=() if kind == "centre_inquiry" else (texts.DOC_COPY_SECURITY,),
            **self._settings.letterhead.fields(),
        )


# The documents' renderers are imported when first used, not when the bot starts: with the
# vector-PDF stack loaded at start, the single-user SQLite pipeline benchmark lost a third of
# its rate (p99 ~22 -> ~80 ms; measured, cause not found; benchmarks/HISTORY.md).
def render_png_and_pdf(doc: ConfirmationDoc) -> tuple[bytes, bytes]:
    """rendering.confirmation.render_png_and_pdf (a confirmation's PNG and PDF)."""
    from rendering import confirmation

    return confirmation.render_png_and_pdf(doc)


def render_letter(doc: LetterDoc) -> tuple[bytes, bytes]:
    """rendering.letters.render_letter (a letter's PNG and PDF)."""
    from rendering import letters

    return letters.render_letter(doc)


def _text(value: object) -> str | None:
    return None if value is None else str(value)
