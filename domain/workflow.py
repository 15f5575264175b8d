"""A request's life as an explicit state machine, and who may move it.

submitted → in_review → (waiting_applicant → in_review)* → recommended → approved, with
rejected, forged (reported to the security unit) and withdrawn as the other ends. Every move is
one row of :data:`TRANSITIONS`; storage applies it as one compare-and-set.

An outgoing letter is signed by a signer, as a confirmation is: the reviewer's act drafts it
(the request waits in a ``*_drafted`` status, nothing sent), and a signer's act signs it, which
sends it and moves the request on. Signing acts print the actor: they need an official name
and title (:attr:`Transition.signs`).
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, replace

from domain.deadlines import Classification

# A staff member's next plain message in the staff chat answers the question the bot put to
# them this recently (Bale has no force-reply, and people do not always press "reply").
PROMPT_ANSWER_WINDOW = dt.timedelta(minutes=10)


class Status(enum.StrEnum):
    """Where a request is in its life."""

    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    WAITING_APPLICANT = "waiting_applicant"
    WAITING_CENTRE = "waiting_centre"  # records archived at a training centre were asked for
    # A letter drafted by a reviewer, waiting for a signer's signature before it goes out.
    CENTRE_LETTER_DRAFTED = "centre_letter_drafted"  # to the training centre
    NOT_AUTHENTIC_DRAFTED = "not_authentic_drafted"  # an inquiry's «فاقد اصالت» answer
    RECOMMENDED = "recommended"
    APPROVED = "approved"
    REJECTED = "rejected"
    FORGED = "forged"
    WITHDRAWN = "withdrawn"
    REVOKED = "revoked"  # approved, then its confirmation was revoked by the signer


OPEN = frozenset(
    {
        Status.SUBMITTED,
        Status.IN_REVIEW,
        Status.WAITING_APPLICANT,
        Status.WAITING_CENTRE,
        Status.CENTRE_LETTER_DRAFTED,
        Status.NOT_AUTHENTIC_DRAFTED,
        Status.RECOMMENDED,
    }
)
CLOSED = frozenset(Status) - OPEN
LETTER_DRAFTED = frozenset({Status.CENTRE_LETTER_DRAFTED, Status.NOT_AUTHENTIC_DRAFTED})


class Role(enum.StrEnum):
    """What a staff member may do."""

    REVIEWER = "reviewer"  # checks records, classifies, asks, rejects, reports, recommends
    SIGNER = "signer"  # the signing official (مقام عالی): final approval
    ADMIN = "admin"  # manages staff


class Act(enum.StrEnum):
    """Every action on a request."""

    REVIEW = "review"
    CLASSIFY_BOOKS = "classify_old_books"
    CLASSIFY_CENTRE = "classify_old_centre"
    CLASSIFY_MECHANIZED = "classify_mechanized"
    ASK = "ask"
    ASK_CENTRE = "ask_centre"  # draft the letter to the training centre (category c)
    SIGN_CENTRE_LETTER = "sign_centre_letter"  # a signer signs it: it is sent
    SIGN_NOT_AUTHENTIC = "sign_not_authentic"  # a signer signs an inquiry's «فاقد اصالت» answer
    RETURN_LETTER = "return_letter"  # a drafted letter is not signed: back to review
    CENTRE_FOUND = "centre_found"
    CENTRE_NOT_FOUND = "centre_not_found"
    REJECT = "reject"
    FORGE = "forge"  # on an inquiry, drafts the «فاقد اصالت» answer
    RECOMMEND = "recommend"
    APPROVE = "approve"
    ANSWER = "answer"  # the applicant answered a question
    WITHDRAW = "withdraw"  # the applicant withdrew
    REVOKE = "revoke"  # the signer revokes an issued confirmation


@dataclass(frozen=True)
class Transition:
    """One allowed move: from which statuses, to which, by whom, and whether it needs text."""

    act: Act
    sources: frozenset[Status]
    target: Status
    roles: frozenset[Role]
    needs_text: bool = False
    classification: Classification | None = None
    needs_file: bool = False  # the staff reply must carry a scan
    applicant_event: str | None = None  # what the applicant is told (texts.NOTIFY), if anything
    signs: bool = False  # prints the actor as signer: needs their official name and title


_REVIEWABLE = frozenset({Status.SUBMITTED, Status.IN_REVIEW})
_REFUSABLE = OPEN
_REVIEWERS = frozenset({Role.REVIEWER})
_SIGNERS = frozenset({Role.SIGNER})
_DECIDERS = frozenset({Role.REVIEWER, Role.SIGNER})
_NOBODY: frozenset[Role] = frozenset()  # applicant acts, never staff

# Every act, once: who may do it, from where to where, and what the applicant is told. Staff
# acts come in the order their buttons appear on a request's card. (Not formatted: one
# transition a line or two reads as a table.)
TRANSITIONS: dict[Act, Transition] = {
    t.act: t
    for t in (
        Transition(Act.REVIEW, frozenset({Status.SUBMITTED}), Status.IN_REVIEW, _REVIEWERS,
                   applicant_event="in_review"),
        Transition(Act.CLASSIFY_BOOKS, _REVIEWABLE, Status.IN_REVIEW, _REVIEWERS,
                   classification=Classification.OLD_BOOKS),
        Transition(Act.CLASSIFY_CENTRE, _REVIEWABLE, Status.IN_REVIEW, _REVIEWERS,
                   classification=Classification.OLD_CENTRE),
        Transition(Act.CLASSIFY_MECHANIZED, _REVIEWABLE, Status.IN_REVIEW, _REVIEWERS,
                   classification=Classification.MECHANIZED),
        Transition(Act.ASK, frozenset({Status.IN_REVIEW}), Status.WAITING_APPLICANT, _REVIEWERS,
                   needs_text=True, applicant_event="question"),
        Transition(Act.ASK_CENTRE, _REVIEWABLE, Status.CENTRE_LETTER_DRAFTED, _REVIEWERS,
                   needs_text=True, classification=Classification.OLD_CENTRE),
        Transition(Act.SIGN_CENTRE_LETTER, frozenset({Status.CENTRE_LETTER_DRAFTED}),
                   Status.WAITING_CENTRE, _SIGNERS, signs=True),
        Transition(Act.SIGN_NOT_AUTHENTIC, frozenset({Status.NOT_AUTHENTIC_DRAFTED}),
                   Status.FORGED, _SIGNERS, signs=True),
        Transition(Act.RETURN_LETTER, LETTER_DRAFTED, Status.IN_REVIEW, _DECIDERS,
                   needs_text=True),
        Transition(Act.CENTRE_FOUND, frozenset({Status.WAITING_CENTRE}), Status.IN_REVIEW,
                   _REVIEWERS, needs_file=True),
        Transition(Act.CENTRE_NOT_FOUND, frozenset({Status.WAITING_CENTRE}), Status.IN_REVIEW,
                   _REVIEWERS, needs_file=True),
        Transition(Act.RECOMMEND, frozenset({Status.IN_REVIEW}), Status.RECOMMENDED, _REVIEWERS),
        Transition(Act.APPROVE, frozenset({Status.RECOMMENDED}), Status.APPROVED, _SIGNERS,
                   applicant_event="approved", signs=True),
        Transition(Act.REJECT, _REFUSABLE, Status.REJECTED, _DECIDERS, needs_text=True,
                   applicant_event="rejected"),
        Transition(Act.FORGE, _REFUSABLE - {Status.NOT_AUTHENTIC_DRAFTED}, Status.FORGED,
                   _DECIDERS, needs_text=True, applicant_event="not_accepted"),
        Transition(Act.REVOKE, frozenset({Status.APPROVED}), Status.REVOKED, _SIGNERS,
                   needs_text=True, applicant_event="revoked"),
        Transition(Act.ANSWER, frozenset({Status.WAITING_APPLICANT}), Status.IN_REVIEW, _NOBODY,
                   applicant_event="answer_received"),
        Transition(Act.WITHDRAW, OPEN, Status.WITHDRAWN, _NOBODY, applicant_event="withdrawn"),
    )
}  # fmt: skip  # a table by hand: one transition a line or two (see above)

# The acts staff press, in the order of the card's buttons.
STAFF_ACTS = tuple(act for act, t in TRANSITIONS.items() if t.roles)


@dataclass(frozen=True)
class Letter:
    """An outgoing letter: the act that drafts it and the signer's act that signs and sends it."""

    kind: str  # as rendering.letters names it
    draft: Act
    sign: Act


LETTERS = (
    Letter("centre_inquiry", Act.ASK_CENTRE, Act.SIGN_CENTRE_LETTER),
    Letter("not_authentic", Act.FORGE, Act.SIGN_NOT_AUTHENTIC),
)
LETTER_SIGNED_BY = {letter.sign: letter for letter in LETTERS}
LETTER_OF_KIND = {letter.kind: letter for letter in LETTERS}


def transition(act: Act, *, single_step: bool = False, kind: str | None = None) -> Transition:
    """The move ``act`` makes on a request of ``kind``; with ``single_step`` a signer may
    approve straight from review."""
    t = TRANSITIONS[act]
    if act is Act.APPROVE and single_step:
        return replace(t, sources=frozenset({Status.IN_REVIEW, Status.RECOMMENDED}))
    if act is Act.FORGE and kind == "inquiry":
        # The organisation's answer is a letter: drafted now, decided when a signer signs it.
        return replace(t, target=Status.NOT_AUTHENTIC_DRAFTED, applicant_event=None)
    return t


def staff_actions(status: str, *, single_step: bool = False) -> tuple[Act, ...]:
    """The staff actions allowed on a request in ``status``, in card order."""
    return tuple(
        act for act in STAFF_ACTS if status in transition(act, single_step=single_step).sources
    )


def may(roles: frozenset[Role] | set[Role], act: Act) -> bool:
    """Whether someone with ``roles`` may do ``act``."""
    return bool(TRANSITIONS[act].roles & set(roles))
