"""Domain errors raised by storage use cases; handlers turn them into Persian text."""

from __future__ import annotations


class StorageError(Exception):
    """Base of every error a use case raises on purpose."""


class DraftNotFound(StorageError):
    """The user has no draft (it was filed, cancelled or expired)."""


class StaleStep(StorageError):
    """The draft is no longer at the step the caller assumed."""

    def __init__(self, current_step: str) -> None:
        super().__init__(current_step)
        self.current_step = current_step


class UploadUnfinished(StorageError):
    """A file answer kept as sent could not be redrawn for staff (a PDF that would not
    redraw); ``key`` names the draft's question it answered."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class RequestNotFound(StorageError):
    """No such request, or not one the caller may see."""


class NotApproved(StorageError):
    """A confirmation is issued only for an approved request."""


class KeyNotPublished(StorageError):
    """The signing key's tokens do not verify against the published keys (withdrawn, say)."""
