"""The store: one object bundling the engine, the file store and the use-case services."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from storage import migrate
from storage.db import make_engine, make_sessionmaker
from storage.drafts import DraftService
from storage.filestore import FileStore
from storage.inbox import InboxService
from storage.outbox import OutboxService
from storage.requests import RequestService


class Store:
    """Everything the bot keeps, behind use-case services that own their transactions."""

    def __init__(self, engine: AsyncEngine, files_dir: Path) -> None:
        self.engine = engine
        self.sessions = make_sessionmaker(engine)
        self.files = FileStore(files_dir)
        self.drafts = DraftService(self.sessions, self.files)
        self.requests = RequestService(self.sessions)
        self.outbox = OutboxService(self.sessions)
        self.inbox = InboxService(self.sessions)

    @classmethod
    def open(cls, database_url: str, files_dir: Path) -> Store:
        """Open the store at ``database_url`` with documents under ``files_dir``."""
        return cls(make_engine(database_url), files_dir)

    async def migrate(self) -> None:
        """Bring the schema up to date."""
        await migrate.upgrade(self.engine)

    async def close(self) -> None:
        """Release the database connections."""
        await self.engine.dispose()
