"""Content-blind storage of uploaded files: the :class:`DocumentStore` protocol, what every
backend shares (:class:`StoredFile`, generated names) and the local-disk :class:`FileStore`
(``DATA_DIR/files``, the default). The S3-compatible object store is :mod:`storage.s3store`;
:func:`storage.files.open_document_store` picks one from the ``FILES_URL`` setting.

Files are stored under names the application generates (a random UUID, sharded by the UTC
year and month of storage: ``2026/11/3f2a….jpg``), never under anything the sender chose.
Writes are atomic and durable: the bytes go to a temporary file in the target directory,
which is fsynced, renamed into place with ``os.replace`` and followed by an fsync of the
directory. Files are created with mode 0600 and directories with 0700.

The database keeps the ``relative_path`` and ``sha256`` returned by :meth:`DocumentStore.put`;
relative paths have the same shape in every backend, so a tree copied from ``DATA_DIR/files``
into a bucket stays addressable. Nothing here logs file contents or anything about the people
the files belong to.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import hmac
import os
import re
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Final, Protocol, runtime_checkable

__all__ = [
    "CorruptStoredFile",
    "DocumentStore",
    "FileStore",
    "StoredFile",
    "new_relative_path",
    "split_relative_path",
]

_FILE_MODE: Final = 0o600
_DIR_MODE: Final = 0o700
_EXTENSION_RE: Final = re.compile(r"[a-z0-9]{1,8}")
_TEMP_PREFIX: Final = ".tmp-"
_CHUNK: Final = 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    """Where a file was stored (relative to the store's root, ``/``-separated), its SHA-256
    (lowercase hex) and its size in bytes."""

    relative_path: str
    sha256: str
    size: int


class CorruptStoredFile(OSError):
    """A stored file's bytes do not match what was stored (wrong size or SHA-256).

    Raised by :meth:`DocumentStore.read` of backends that can tell (the object store keeps size
    and SHA-256 with each object); the local :class:`FileStore` does not check on read.
    """


@runtime_checkable
class DocumentStore(Protocol):
    """What the application needs from a place to keep uploaded documents.

    Files are addressed by the ``relative_path`` :meth:`put` returns (``yyyy/mm/<uuid>.<ext>``,
    the same shape in every backend). Implementations: :class:`FileStore` (local disk) and
    :class:`storage.s3store.S3FileStore` (S3-compatible object store).
    """

    async def put(self, data: bytes, extension: str) -> StoredFile:
        """Store ``data`` under a new generated name ending in ``.extension``.

        ``extension`` must be 1-8 lowercase ASCII letters or digits, else ``ValueError``.
        Two calls never share a name.
        """
        ...

    async def read(self, relative_path: str) -> bytes:
        """The stored bytes; ``FileNotFoundError`` if there is no such file, ``ValueError`` for
        a malformed path, :class:`CorruptStoredFile` where the backend detects damage."""
        ...

    async def delete(self, relative_path: str) -> None:
        """Delete a stored file; one that is already gone is fine."""
        ...

    async def check(self, relative_path: str, sha256: str) -> bool:
        """Whether the file exists and the SHA-256 of its bytes equals ``sha256`` (hex, any
        case). Reads the whole file."""
        ...

    async def close(self) -> None:
        """Release connections; the store is not used afterwards."""
        ...


def new_relative_path(extension: str) -> str:
    """A new generated name ``yyyy/mm/<uuid4 hex>.<extension>`` (UTC year and month).

    ``extension`` must be 1-8 lowercase ASCII letters or digits, else ``ValueError``.
    """
    if not _EXTENSION_RE.fullmatch(extension):
        raise ValueError("extension must be 1-8 lowercase ASCII letters or digits")
    now = dt.datetime.now(dt.UTC)
    return f"{now:%Y}/{now:%m}/{uuid.uuid4().hex}.{extension}"


def split_relative_path(relative_path: str) -> list[str]:
    """The ``/``-separated parts of a stored file's relative path, refusing malformed ones.

    Empty paths, absolute paths, ``..`` or ``.`` components, empty components, backslashes and
    NUL bytes raise ``ValueError``.
    """
    if not relative_path or "\x00" in relative_path or "\\" in relative_path:
        raise ValueError("invalid stored file path")
    if PurePosixPath(relative_path).is_absolute():
        raise ValueError("stored file path must be relative")
    parts = relative_path.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise ValueError("stored file path must not contain empty, '.' or '..' parts")
    return parts


class FileStore:
    """Files on disk under ``root``, addressed by the relative paths :meth:`put` returns.

    The root and the shard directories are created on first use. Blocking I/O of the async
    methods runs in a worker thread.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self._root = Path(root).absolute()

    @property
    def root(self) -> Path:
        return self._root

    # --- Public API -----------------------------------------------------------------------

    async def put(self, data: bytes, extension: str) -> StoredFile:
        """Store ``data`` under a new generated name ending in ``.extension``.

        ``extension`` must be 1-8 lowercase ASCII letters or digits (e.g. ``"jpg"``, ``"pdf"``);
        anything else raises ``ValueError``. Two calls never share a name.
        """
        relative = new_relative_path(extension)
        digest = hashlib.sha256(data).hexdigest()
        await asyncio.to_thread(self._write_atomically, relative, data)
        return StoredFile(relative_path=relative, sha256=digest, size=len(data))

    def path(self, relative_path: str) -> Path:
        """The absolute path of a stored file, refusing anything that would leave the root.

        Absolute paths, ``..`` or ``.`` components, empty components, backslashes and NUL
        bytes are refused with ``ValueError``; so is a path that resolves (through symlinks)
        outside the root.

        Local backend only: code that must work with any :class:`DocumentStore` uses
        :meth:`read` instead.
        """
        parts = split_relative_path(relative_path)
        candidate = self._root.joinpath(*parts)
        root_resolved = self._root.resolve()
        if not candidate.resolve().is_relative_to(root_resolved):
            raise ValueError("stored file path escapes the store")
        return candidate

    async def read(self, relative_path: str) -> bytes:
        """The bytes of a stored file; ``FileNotFoundError`` if it does not exist."""
        target = self.path(relative_path)
        return await asyncio.to_thread(target.read_bytes)

    async def delete(self, relative_path: str) -> None:
        """Delete a stored file; a file that is already gone is fine."""
        target = self.path(relative_path)
        await asyncio.to_thread(self._delete, target)

    def verify(self, relative_path: str, sha256: str) -> bool:
        """Whether the stored file exists and its SHA-256 equals ``sha256`` (hex, any case).

        An invalid ``relative_path`` raises ``ValueError`` as in :meth:`path`.

        Synchronous and reads the whole file: call it through ``asyncio.to_thread`` from the
        event loop.
        """
        target = self.path(relative_path)
        digest = hashlib.sha256()
        try:
            with target.open("rb") as fh:
                while chunk := fh.read(_CHUNK):
                    digest.update(chunk)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return False
        return hmac.compare_digest(digest.hexdigest(), sha256.strip().lower())

    async def check(self, relative_path: str, sha256: str) -> bool:
        """:meth:`verify` in a worker thread (the :class:`DocumentStore` form)."""
        return await asyncio.to_thread(self.verify, relative_path, sha256)

    async def close(self) -> None:
        """Nothing to release for files on disk."""

    def __repr__(self) -> str:
        return f"FileStore({str(self._root)!r})"

    # --- Blocking helpers (worker thread) -----------------------------------------------------

    def _write_atomically(self, relative: str, data: bytes) -> None:
        target = self.path(relative)
        self._ensure_dir(target.parent)
        # mkstemp creates the file with mode 0600 and O_EXCL, in the target directory so that
        # os.replace is a rename within one filesystem.
        fd, tmp_name = tempfile.mkstemp(prefix=_TEMP_PREFIX, suffix=".part", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                os.fchmod(fh.fileno(), _FILE_MODE)
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp_name, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            raise
        _fsync_dir(target.parent)

    def _ensure_dir(self, directory: Path) -> None:
        """Create ``directory`` and missing parents with mode 0700, fsyncing each parent so the
        new directory entries survive a crash. Existing directories are left as they are."""
        missing: list[Path] = []
        current = directory
        while not current.is_dir():
            missing.append(current)
            if current.parent == current:
                break
            current = current.parent
        for new_dir in reversed(missing):
            try:
                new_dir.mkdir(mode=_DIR_MODE)
            except FileExistsError:
                continue  # created concurrently by another put
            os.chmod(new_dir, _DIR_MODE)  # mkdir's mode is filtered by the umask
            _fsync_dir(new_dir.parent)

    @staticmethod
    def _delete(target: Path) -> None:
        try:
            target.unlink()
        except FileNotFoundError:
            return
        _fsync_dir(target.parent)


def _fsync_dir(directory: Path) -> None:
    """Flush a directory's entries to disk (POSIX); a no-op where directories can't be opened."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    try:
        fd = os.open(directory, flags)
    except OSError:
        return
    try:
        # Some filesystems refuse fsync on directories; the rename itself has happened.
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
