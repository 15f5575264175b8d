"""Tests for storage.filestore."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import os
import re
import stat
from pathlib import Path

import pytest

from storage.filestore import FileStore, StoredFile


@pytest.fixture
def store(tmp_path: Path) -> FileStore:
    return FileStore(tmp_path / "files")


def all_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


async def test_round_trip(store: FileStore) -> None:
    data = os.urandom(5000)
    stored = await store.put(data, "jpg")
    assert isinstance(stored, StoredFile)
    assert await store.read(stored.relative_path) == data
    assert stored.size == len(data)


async def test_sha256_matches_hashlib(store: FileStore) -> None:
    data = b"%PDF-1.4 pretend letter"
    stored = await store.put(data, "pdf")
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert store.verify(stored.relative_path, stored.sha256)
    assert store.verify(stored.relative_path, stored.sha256.upper())
    assert not store.verify(stored.relative_path, hashlib.sha256(b"other").hexdigest())


async def test_verify_detects_tampering_and_missing_files(store: FileStore) -> None:
    stored = await store.put(b"original", "pdf")
    store.path(stored.relative_path).write_bytes(b"tampered")
    assert not store.verify(stored.relative_path, stored.sha256)
    await store.delete(stored.relative_path)
    assert not store.verify(stored.relative_path, stored.sha256)


async def test_name_is_generated_and_sharded_by_utc_month(store: FileStore) -> None:
    before = dt.datetime.now(dt.UTC)
    stored = await store.put(b"x", "jpg")
    after = dt.datetime.now(dt.UTC)
    match = re.fullmatch(r"(\d{4})/(\d{2})/([0-9a-f]{32})\.jpg", stored.relative_path)
    assert match is not None
    assert (match[1], match[2]) in {(f"{t:%Y}", f"{t:%m}") for t in (before, after)}
    assert store.path(stored.relative_path) == store.root / stored.relative_path


async def test_file_mode_0600_and_directories_0700(store: FileStore) -> None:
    old_umask = os.umask(0)  # the modes must not depend on a permissive umask
    try:
        stored = await store.put(b"secret", "pdf")
    finally:
        os.umask(old_umask)
    target = store.path(stored.relative_path)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    for directory in (target.parent, target.parent.parent, store.root):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700


async def test_two_puts_never_collide(store: FileStore) -> None:
    results = await asyncio.gather(*(store.put(b"same bytes", "jpg") for _ in range(50)))
    paths = {r.relative_path for r in results}
    assert len(paths) == 50
    assert len(all_files(store.root)) == 50
    assert len({r.sha256 for r in results}) == 1


async def test_no_temp_files_left_behind(store: FileStore) -> None:
    for i in range(5):
        await store.put(b"data %d" % i, "pdf")
    names = [p.name for p in all_files(store.root)]
    assert len(names) == 5
    assert all(re.fullmatch(r"[0-9a-f]{32}\.pdf", name) for name in names)


async def test_failed_write_leaves_no_temp_file(
    store: FileStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    await store.put(b"first", "jpg")  # creates the shard directory

    def broken_replace(src: object, dst: object) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk on fire"):
        await store.put(b"second", "jpg")
    monkeypatch.undo()
    assert [p.read_bytes() for p in all_files(store.root)] == [b"first"]


@pytest.mark.parametrize(
    "relative",
    [
        "../escape.pdf",
        "2026/../../escape.pdf",
        "2026/11/../../../etc/passwd",
        "/etc/passwd",
        "//etc/passwd",
        "",
        ".",
        "2026//11/x.pdf",
        "2026/./11/x.pdf",
        "2026\\..\\x.pdf",
        "2026/11/x.pdf\x00.jpg",
    ],
)
async def test_path_traversal_is_refused(store: FileStore, relative: str) -> None:
    with pytest.raises(ValueError):
        store.path(relative)
    with pytest.raises(ValueError):
        await store.read(relative)
    with pytest.raises(ValueError):
        await store.delete(relative)
    with pytest.raises(ValueError):
        store.verify(relative, "0" * 64)


async def test_symlink_out_of_the_root_is_refused(store: FileStore, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.pdf").write_bytes(b"not yours")
    store.root.mkdir(parents=True)
    (store.root / "link").symlink_to(outside, target_is_directory=True)
    with pytest.raises(ValueError):
        store.path("link/secret.pdf")


@pytest.mark.parametrize("extension", ["", ".jpg", "JPG", "p/df", "../x", "toolongext", "jp g"])
async def test_bad_extensions_are_refused(store: FileStore, extension: str) -> None:
    with pytest.raises(ValueError):
        await store.put(b"x", extension)
    assert not store.root.exists() or all_files(store.root) == []


async def test_delete_is_idempotent(store: FileStore) -> None:
    stored = await store.put(b"bye", "jpg")
    await store.delete(stored.relative_path)
    assert not store.path(stored.relative_path).exists()
    await store.delete(stored.relative_path)  # already gone: fine
    await store.delete("2020/01/" + "0" * 32 + ".jpg")  # never existed: fine


async def test_read_missing_file_raises(store: FileStore) -> None:
    with pytest.raises(FileNotFoundError):
        await store.read("2020/01/" + "0" * 32 + ".jpg")


async def test_empty_file_round_trips(store: FileStore) -> None:
    stored = await store.put(b"", "pdf")
    assert stored.size == 0
    assert await store.read(stored.relative_path) == b""
    assert store.verify(stored.relative_path, hashlib.sha256(b"").hexdigest())
