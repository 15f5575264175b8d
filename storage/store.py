"""The store: one object bundling the engine, the file store and the use-case services.

Each service speaks to the database one way. Those that run for every update or message sent
use the fast executor (storage.hotpath, running the statements of storage.statements): drafts,
filing, redrawing uploads, the inbox, the outbox, and verification (on connections of its
own). The rest (requests, the staff workflow, staff, the audit trail, confirmations and their
keys, the registry) are rarer or more complex work and use ORM sessions (storage.db.Sessions).
A unit of work of either kind queues outbox messages with the one storage.outbox.enqueue.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.deadlines import WorkCalendar
from storage import migrate
from storage.audit import AuditService
from storage.confirmations import ConfirmationService, KeyRing
from storage.db import Sessions, make_engine
from storage.drafts import DraftService
from storage.files import open_document_store
from storage.filestore import DocumentStore, FileStore
from storage.filing import FilingService
from storage.hotpath import HotPath
from storage.inbox import InboxService
from storage.outbox import OutboxService
from storage.redraw import Redrawer
from storage.registry import RegistryService
from storage.requests import RequestService
from storage.staff import StaffService
from storage.verification import VerificationService
from storage.workflow import WorkflowService


class Store:
    """Everything the bot keeps, behind use-case services that own their transactions."""

    def __init__(
        self,
        engine: AsyncEngine,
        files: str | Path,
        *,
        calendar: WorkCalendar | None = None,
        single_step_approval: bool = False,
        security_chat_id: int | None = None,
        signing_key_path: Path | None = None,
        public_keys_file: Path | None = None,
    ) -> None:
        calendar = calendar or WorkCalendar(frozenset())
        self.engine = engine
        self.sessions = Sessions(engine)
        self.files: DocumentStore = open_document_store(files)
        if signing_key_path is None or public_keys_file is None:
            if not isinstance(self.files, FileStore):
                raise ValueError("with an object store, give the signing key and keys file paths")
            signing_key_path = signing_key_path or self.files.root.parent / "signing-key.pem"
            public_keys_file = public_keys_file or self.files.root.parent / "public-keys.json"
        self.hot = HotPath(engine)
        self.drafts = DraftService(self.files, self.hot)
        self.redraw = Redrawer(self.files, self.hot)
        self.filing = FilingService(self.hot, self.redraw, calendar)
        self.requests = RequestService(self.sessions)
        self.outbox = OutboxService(self.hot)
        self.inbox = InboxService(self.hot)
        self.staff = StaffService(self.sessions)
        self.audit = AuditService(self.sessions)
        self.keys = KeyRing(self.sessions, signing_key_path, public_keys_file)
        self.confirmations = ConfirmationService(self.sessions, self.keys)
        self.verification = VerificationService(self.keys, engine)
        self.registry = RegistryService(self.sessions)
        self.workflow = WorkflowService(
            self.sessions,
            calendar=calendar,
            single_step=single_step_approval,
            security_chat_id=security_chat_id,
        )

    @classmethod
    def open(cls, database_url: str, files: str | Path, **options: Any) -> Store:
        """Open the store at ``database_url`` with documents in ``files`` (a directory or an
        ``s3://`` URL, see storage.files.open_document_store)."""
        return cls(make_engine(database_url), files, **options)

    async def migrate(self) -> None:
        """Bring the schema up to date."""
        await migrate.upgrade(self.engine)

    async def close(self) -> None:
        """Release the database connections and the document store."""
        await self.verification.close()
        await self.hot.close()
        await self.files.close()
        await self.engine.dispose()
