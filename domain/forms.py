"""Conversational forms as data: each field says how it is asked, parsed and shown.

One engine (handlers/form_engine.py) walks any :class:`Form`; adding a question is adding a
:class:`Field` here, not writing a handler.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from domain import texts, validation
from domain.digits import to_persian_digits
from domain.tracking import format_tracking_code

CONFIRM_STEP = "confirm"


class InputKind(enum.Enum):
    """What kind of message a field waits for."""

    TEXT = "text"
    CHOICE = "choice"
    MOBILE = "mobile"
    DOCUMENT = "document"  # a photo, or a PDF/image sent as a file
    PHOTO = "photo"  # a 3×4 portrait photo, as a photo or an image file


@dataclass(frozen=True)
class Choice:
    """One option of a choice field."""

    value: str
    label: str


def _show_text(value: Any) -> str:
    return texts.VALUE_NOT_KNOWN if value is None else to_persian_digits(str(value))


def _show_file(value: Any) -> str:
    return texts.VALUE_NOT_KNOWN if value is None else texts.VALUE_FILE_RECEIVED


@dataclass(frozen=True)
class Field:
    """One question of a form."""

    key: str
    label: str
    prompt: str
    kind: InputKind = InputKind.TEXT
    parse: Callable[[str], Any] | None = None
    optional: bool = False
    choices: tuple[Choice, ...] = ()
    attachment_kind: str | None = None
    show: Callable[[Any], str] = _show_text

    def choice_by_label(self, label: str) -> Choice | None:
        """The choice whose label (or value) the user sent, if any."""
        wanted = label.strip()
        for choice in self.choices:
            if wanted in (choice.label, choice.value):
                return choice
        return None

    def display(self, value: Any) -> str:
        """How the answer is shown in the summary and on the staff card."""
        if self.choices:
            for choice in self.choices:
                if choice.value == value:
                    return choice.label
        return self.show(value)


@dataclass(frozen=True)
class Form:
    """An ordered list of fields for one kind of request.

    ``remembered`` fields are kept per chat after filing and filled in for the next request
    of the same kind (an organisation's details, say), so they are not asked again.
    """

    kind: str
    intro: str
    fields: tuple[Field, ...]
    remembered: tuple[str, ...] = ()
    by_key: Mapping[str, Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_key", {f.key: f for f in self.fields})

    def field(self, key: str) -> Field | None:
        """The field named ``key``, or None for the confirm step or unknown keys."""
        return self.by_key.get(key)

    def next_step(self, answers: Mapping[str, Any]) -> str:
        """The first field not yet answered, or the confirm step when all are."""
        for f in self.fields:
            if f.key not in answers:
                return f.key
        return CONFIRM_STEP

    def position(self, key: str) -> int:
        """1-based position of a field, for "question 3 of 12"."""
        return [f.key for f in self.fields].index(key) + 1

    def attachment_fields(self) -> tuple[Field, ...]:
        """The fields whose answers are stored files."""
        return tuple(f for f in self.fields if f.attachment_kind)


def _birth_date(text: str) -> str:
    born = validation.parse_birth_date(text)
    return f"{born.year:04d}/{born.month:02d}/{born.day:02d}"


def _year(text: str) -> int:
    return validation.parse_jalali_year(text)


def _free_text(text: str) -> str:
    return validation.parse_free_text(text, max_len=100)


FORMAT_CHOICES = (
    Choice("old", texts.FORMAT_OLD),
    Choice("mechanized", texts.FORMAT_MECHANIZED),
    Choice("unknown", texts.FORMAT_UNKNOWN),
)

DUPLICATE_FORM = Form(
    kind="duplicate",
    intro=texts.DUPLICATE_INTRO,
    fields=(
        Field(
            "full_name",
            texts.LABEL_FULL_NAME,
            texts.PROMPT_FULL_NAME,
            parse=validation.parse_full_name,
        ),
        Field(
            "father_name",
            texts.LABEL_FATHER_NAME,
            texts.PROMPT_FATHER_NAME,
            parse=validation.parse_person_name,
        ),
        Field(
            "national_code",
            texts.LABEL_NATIONAL_CODE,
            texts.PROMPT_NATIONAL_CODE,
            parse=validation.parse_national_code,
        ),
        Field("birth_date", texts.LABEL_BIRTH_DATE, texts.PROMPT_BIRTH_DATE, parse=_birth_date),
        Field(
            "mobile",
            texts.LABEL_MOBILE,
            texts.PROMPT_MOBILE,
            kind=InputKind.MOBILE,
            parse=validation.parse_mobile,
        ),
        Field("trade", texts.LABEL_TRADE, texts.PROMPT_TRADE, parse=_free_text),
        Field(
            "certificate_number",
            texts.LABEL_CERTIFICATE_NUMBER,
            texts.PROMPT_CERTIFICATE_NUMBER,
            parse=validation.parse_certificate_number,
            optional=True,
        ),
        Field(
            "certificate_year",
            texts.LABEL_CERTIFICATE_YEAR,
            texts.PROMPT_CERTIFICATE_YEAR,
            parse=_year,
            optional=True,
        ),
        Field(
            "training_centre",
            texts.LABEL_TRAINING_CENTRE,
            texts.PROMPT_TRAINING_CENTRE,
            parse=_free_text,
            optional=True,
        ),
        Field(
            "certificate_format",
            texts.LABEL_CERTIFICATE_FORMAT,
            texts.PROMPT_CERTIFICATE_FORMAT,
            kind=InputKind.CHOICE,
            choices=FORMAT_CHOICES,
        ),
        Field(
            "court_letter",
            texts.LABEL_COURT_LETTER,
            texts.PROMPT_COURT_LETTER,
            kind=InputKind.DOCUMENT,
            attachment_kind="court_letter",
            show=_show_file,
        ),
        Field(
            "photo",
            texts.LABEL_PHOTO,
            texts.PROMPT_PHOTO,
            kind=InputKind.PHOTO,
            attachment_kind="photo",
            show=_show_file,
        ),
    ),
)


def _letter_number(text: str) -> str:
    return validation.parse_letter_number(text)


def _letter_date(text: str) -> str:
    when = validation.parse_jalali_date(text, earliest_year=1380)
    return f"{when.year:04d}/{when.month:02d}/{when.day:02d}"


def _organisation(text: str) -> str:
    return validation.parse_free_text(text, max_len=150)


ORGANISATION_TYPES = (
    Choice("education", texts.ORG_TYPE_EDUCATION),
    Choice("judiciary", texts.ORG_TYPE_JUDICIARY),
    Choice("government", texts.ORG_TYPE_GOVERNMENT),
    Choice("private", texts.ORG_TYPE_PRIVATE),
    Choice("other", texts.ORG_TYPE_OTHER),
)

INQUIRY_FORM = Form(
    kind="inquiry",
    intro=texts.INQUIRY_INTRO,
    fields=(
        Field("org_name", texts.LABEL_ORG_NAME, texts.PROMPT_ORG_NAME, parse=_organisation),
        Field(
            "org_type",
            texts.LABEL_ORG_TYPE,
            texts.PROMPT_ORG_TYPE,
            kind=InputKind.CHOICE,
            choices=ORGANISATION_TYPES,
        ),
        Field(
            "clerk_name",
            texts.LABEL_CLERK_NAME,
            texts.PROMPT_CLERK_NAME,
            parse=validation.parse_person_name,
        ),
        Field(
            "clerk_contact",
            texts.LABEL_CLERK_CONTACT,
            texts.PROMPT_CLERK_CONTACT,
            kind=InputKind.MOBILE,
            parse=validation.parse_mobile,
        ),
        Field(
            "letter_number",
            texts.LABEL_LETTER_NUMBER,
            texts.PROMPT_LETTER_NUMBER,
            parse=_letter_number,
        ),
        Field(
            "letter_date", texts.LABEL_LETTER_DATE, texts.PROMPT_LETTER_DATE, parse=_letter_date
        ),
        Field(
            "org_letter",
            texts.LABEL_ORG_LETTER,
            texts.PROMPT_ORG_LETTER,
            kind=InputKind.DOCUMENT,
            attachment_kind="org_letter",
            show=_show_file,
        ),
        Field(
            "certificate_image",
            texts.LABEL_CERTIFICATE_IMAGE,
            texts.PROMPT_CERTIFICATE_IMAGE,
            kind=InputKind.DOCUMENT,
            attachment_kind="certificate_image",
            show=_show_file,
        ),
        Field(
            "national_code",
            texts.LABEL_HOLDER_NATIONAL_CODE,
            texts.PROMPT_HOLDER_NATIONAL_CODE,
            parse=validation.parse_national_code,
        ),
        Field(
            "certificate_number",
            texts.LABEL_CERTIFICATE_NUMBER,
            texts.PROMPT_HOLDER_CERTIFICATE_NUMBER,
            parse=validation.parse_certificate_number,
        ),
        Field(
            "full_name",
            texts.LABEL_HOLDER_NAME,
            texts.PROMPT_HOLDER_NAME,
            parse=validation.parse_full_name,
        ),
    ),
    remembered=("org_name", "org_type", "clerk_name", "clerk_contact"),
)

FORMS: dict[str, Form] = {form.kind: form for form in (DUPLICATE_FORM, INQUIRY_FORM)}

# Request columns that a form's answers fill directly; anything else goes to ``details``.
REQUEST_COLUMNS = (
    "full_name",
    "father_name",
    "national_code",
    "birth_date",
    "mobile",
    "trade",
    "certificate_number",
    "certificate_year",
    "training_centre",
    "certificate_format",
)


def show_code(code: str) -> str:
    """A tracking code as people read it."""
    return format_tracking_code(code)
