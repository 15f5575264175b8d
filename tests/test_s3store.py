"""Tests for storage.s3store against a real S3 server (moto, in-process, on loopback), and the
DocumentStore protocol checks run against both backends."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import os
import re
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import pytest
from moto.server import ThreadedMotoServer

from bot.app import BotRuntime
from domain import texts
from loopback import FakeBotApi
from storage.files import open_document_store
from storage.filestore import CorruptStoredFile, DocumentStore, FileStore
from storage.s3store import S3FileStore, S3StoreError
from tests.conftest import ADMIN_CHAT_ID, bot_settings
from tests.driver import Applicant

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

ACCESS_KEY = "test-access-key"
SECRET_KEY = "test-secret-key-never-printed"
REGION = "us-east-1"
KEY_SHAPE = re.compile(r"(\d{4})/(\d{2})/([0-9a-f]{32})\.(\w+)")


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """An S3 server on loopback, on a free port, for this module."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="module", autouse=True)
def _isolated_aws_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """boto3 must see neither the developer's AWS settings nor any metadata service."""
    empty = tmp_path_factory.mktemp("aws")
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("AWS_") and name != "AWS_CA_BUNDLE":
                patch.delenv(name)
        patch.setenv("AWS_CONFIG_FILE", str(empty / "config"))
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty / "credentials"))
        patch.setenv("AWS_EC2_METADATA_DISABLED", "true")
        patch.setenv("NO_PROXY", "127.0.0.1,localhost")
        yield


@pytest.fixture(scope="module")
def admin(endpoint: str, _isolated_aws_environment: None) -> Iterator[S3Client]:
    """A plain boto3 client for setting up buckets and looking behind the store's back."""
    client = boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def bucket(admin: S3Client) -> str:
    name = f"tvto-{uuid.uuid4().hex[:12]}"
    admin.create_bucket(Bucket=name)
    return name


def make_s3(endpoint: str, bucket: str, **options: object) -> S3FileStore:
    return S3FileStore(
        bucket,
        endpoint_url=endpoint,
        region=REGION,
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        **options,  # type: ignore[arg-type]
    )


@pytest.fixture
async def s3(endpoint: str, bucket: str) -> AsyncIterator[S3FileStore]:
    store = make_s3(endpoint, bucket)
    try:
        yield store
    finally:
        await store.close()


def keys(admin: S3Client, bucket: str) -> list[str]:
    listing = admin.list_objects_v2(Bucket=bucket)
    return sorted(item["Key"] for item in listing.get("Contents", []))


# --- S3FileStore --------------------------------------------------------------------------------


async def test_round_trip_with_sha256_metadata_and_checksum(
    s3: S3FileStore, admin: S3Client, bucket: str
) -> None:
    data = os.urandom(70_000)
    stored = await s3.put(data, "pdf")
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.size == len(data)
    assert KEY_SHAPE.fullmatch(stored.relative_path)
    assert await s3.read(stored.relative_path) == data
    assert keys(admin, bucket) == [stored.relative_path]

    head = admin.head_object(Bucket=bucket, Key=stored.relative_path, ChecksumMode="ENABLED")
    assert head["Metadata"] == {"sha256": stored.sha256}
    assert head["ContentLength"] == len(data)
    assert head["ContentType"] == "application/pdf"
    expected_checksum = base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert head.get("ChecksumSHA256") == expected_checksum


async def test_key_is_sharded_by_utc_month(s3: S3FileStore) -> None:
    before = dt.datetime.now(dt.UTC)
    stored = await s3.put(b"x", "jpg")
    after = dt.datetime.now(dt.UTC)
    match = KEY_SHAPE.fullmatch(stored.relative_path)
    assert match is not None and match[4] == "jpg"
    assert (match[1], match[2]) in {(f"{t:%Y}", f"{t:%m}") for t in (before, after)}


async def test_two_puts_never_collide(s3: S3FileStore, admin: S3Client, bucket: str) -> None:
    results = await asyncio.gather(*(s3.put(b"same bytes", "jpg") for _ in range(30)))
    paths = {r.relative_path for r in results}
    assert len(paths) == 30
    assert keys(admin, bucket) == sorted(paths)
    assert len({r.sha256 for r in results}) == 1


async def test_delete_and_missing_delete(s3: S3FileStore, admin: S3Client, bucket: str) -> None:
    stored = await s3.put(b"gone soon", "png")
    await s3.delete(stored.relative_path)
    assert keys(admin, bucket) == []
    await s3.delete(stored.relative_path)  # already gone: fine
    await s3.delete("2020/01/" + "0" * 32 + ".pdf")  # never existed: fine
    with pytest.raises(FileNotFoundError):
        await s3.read(stored.relative_path)


async def test_read_missing_key_raises_file_not_found(s3: S3FileStore) -> None:
    missing = "2020/01/" + "f" * 32 + ".jpg"
    with pytest.raises(FileNotFoundError) as caught:
        await s3.read(missing)
    assert caught.value.filename == missing
    assert not await s3.check(missing, "0" * 64)


async def test_prefix_is_honoured(endpoint: str, bucket: str, admin: S3Client) -> None:
    prefixed = make_s3(endpoint, bucket, prefix="/tvto/documents/")
    bare = make_s3(endpoint, bucket)
    try:
        assert prefixed.prefix == "tvto/documents/"
        stored = await prefixed.put(b"under a prefix", "pdf")
        assert not stored.relative_path.startswith("tvto/")
        assert keys(admin, bucket) == ["tvto/documents/" + stored.relative_path]
        assert await prefixed.read(stored.relative_path) == b"under a prefix"
        with pytest.raises(FileNotFoundError):
            await bare.read(stored.relative_path)
        await bare.delete(stored.relative_path)  # a different key: nothing happens
        assert len(keys(admin, bucket)) == 1
        await prefixed.delete(stored.relative_path)
        assert keys(admin, bucket) == []
    finally:
        await prefixed.close()
        await bare.close()


@pytest.mark.parametrize("prefix", ["a/../b", "a//b", "a\\b", "./a", "a\x00"])
def test_bad_prefixes_are_refused(endpoint: str, prefix: str) -> None:
    with pytest.raises(ValueError, match="prefix"):
        make_s3(endpoint, "bucket", prefix=prefix)


async def test_replaced_object_is_detected(s3: S3FileStore, admin: S3Client, bucket: str) -> None:
    stored = await s3.put(b"original letter", "pdf")
    admin.put_object(
        Bucket=bucket,
        Key=stored.relative_path,
        Body=b"forged letter!!",
        Metadata={"sha256": stored.sha256},
    )
    with pytest.raises(CorruptStoredFile):
        await s3.read(stored.relative_path)
    assert not await s3.check(stored.relative_path, stored.sha256)


async def test_objects_without_metadata_are_readable(
    s3: S3FileStore, admin: S3Client, bucket: str
) -> None:
    """A tree copied from DATA_DIR/files with a generic tool has no sha256 metadata."""
    relative = "2024/05/" + "a" * 32 + ".jpg"
    admin.put_object(Bucket=bucket, Key=relative, Body=b"copied over")
    assert await s3.read(relative) == b"copied over"
    assert await s3.check(relative, hashlib.sha256(b"copied over").hexdigest())


async def test_checksum_can_be_turned_off(endpoint: str, bucket: str, admin: S3Client) -> None:
    store = make_s3(endpoint, bucket, checksum=False)
    try:
        stored = await store.put(b"no checksum header", "pdf")
        head = admin.head_object(Bucket=bucket, Key=stored.relative_path, ChecksumMode="ENABLED")
        assert "ChecksumSHA256" not in head
        assert head["Metadata"] == {"sha256": stored.sha256}
        assert await store.read(stored.relative_path) == b"no checksum header"
    finally:
        await store.close()


async def test_missing_bucket_is_a_store_error_not_a_missing_file(endpoint: str) -> None:
    store = make_s3(endpoint, "no-such-bucket-" + uuid.uuid4().hex[:8])
    try:
        with pytest.raises(S3StoreError, match="NoSuchBucket") as caught:
            await store.read("2020/01/" + "0" * 32 + ".pdf")
        assert not isinstance(caught.value, FileNotFoundError)
        with pytest.raises(S3StoreError):
            await store.put(b"x", "pdf")
    finally:
        await store.close()


def test_credentials_must_come_in_pairs(endpoint: str) -> None:
    with pytest.raises(ValueError, match="both"):
        S3FileStore("bucket", endpoint_url=endpoint, access_key="only-one")


async def test_repr_shows_no_secret(s3: S3FileStore, bucket: str) -> None:
    text = repr(s3)
    assert bucket in text
    assert SECRET_KEY not in text and ACCESS_KEY not in text


# --- open_document_store ------------------------------------------------------------------------


async def test_factory_builds_an_s3_store_from_the_url(
    endpoint: str, bucket: str, admin: S3Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    store = open_document_store(f"s3://{bucket}/office/files?endpoint={endpoint}&region={REGION}")
    try:
        assert isinstance(store, S3FileStore)
        assert store.bucket == bucket
        assert store.prefix == "office/files/"
        stored = await store.put(b"via FILES_URL", "png")
        assert keys(admin, bucket) == ["office/files/" + stored.relative_path]
        assert await store.read(stored.relative_path) == b"via FILES_URL"
    finally:
        await store.close()


async def test_factory_options(monkeypatch: pytest.MonkeyPatch) -> None:
    """Addressing style, region and checksum reach the client (presigning needs no network)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)

    def presigned(store: DocumentStore) -> str:
        assert isinstance(store, S3FileStore)
        return store._client.generate_presigned_url(
            "get_object", Params={"Bucket": store.bucket, "Key": store.key("2026/01/a.pdf")}
        )

    endpoint = "https://objects.example.test"
    virtual = open_document_store(
        f"s3://bucket?endpoint={endpoint}&addressing=virtual&checksum=off&region=ir-thr-at1"
    )
    path_style = open_document_store(f"s3://bucket/p?endpoint={endpoint}")
    aws = open_document_store("s3://bucket/p?region=eu-central-1")
    try:
        assert isinstance(virtual, S3FileStore) and isinstance(path_style, S3FileStore)
        assert virtual.prefix == "" and virtual._checksum is False
        assert presigned(virtual).startswith("https://bucket.objects.example.test/2026/01/a.pdf?")
        assert "%2Fir-thr-at1%2Fs3%2F" in presigned(virtual)  # the signing scope's region
        assert path_style._checksum is True
        assert presigned(path_style).startswith(
            "https://objects.example.test/bucket/p/2026/01/a.pdf?"
        )
        assert presigned(aws).startswith("https://bucket.s3.")
    finally:
        for made in (virtual, path_style, aws):
            await made.close()


def test_factory_gives_a_file_store_for_paths(tmp_path: Path) -> None:
    for value in (tmp_path / "files", str(tmp_path / "files"), f"file://{tmp_path}/files"):
        store = open_document_store(value)
        assert isinstance(store, FileStore)
        assert store.root == tmp_path / "files"


def test_factory_names_the_extra_when_boto3_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)
    monkeypatch.delitem(sys.modules, "storage.s3store")
    with pytest.raises(RuntimeError, match=r"\[s3\]"):
        open_document_store("s3://bucket/prefix")


@pytest.mark.parametrize(
    "url",
    [
        f"s3://AKIAEXAMPLE:{SECRET_KEY}@bucket/prefix",
        f"s3://bucket/prefix?secret_key={SECRET_KEY}",
        f"s3://bucket/prefix?aws_access_key_id=AKIA&aws_secret_access_key={SECRET_KEY}",
        f"s3://bucket?endpoint=https://user:{SECRET_KEY}@minio.example",
    ],
)
def test_factory_refuses_credentials_without_echoing_them(url: str) -> None:
    with pytest.raises(ValueError, match="AWS_ACCESS_KEY_ID") as caught:
        open_document_store(url)
    assert SECRET_KEY not in str(caught.value)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("s3://bucket?colour=blue", "unknown"),
        ("s3://bucket?region=a&region=b", "once"),
        ("s3://bucket?region=", "once"),
        ("s3://bucket?addressing=sideways", "addressing"),
        ("s3://bucket?checksum=maybe", "checksum"),
        ("s3://bucket?endpoint=ftp://host", "endpoint"),
        ("s3://bucket#frag", "fragment"),
        ("s3:///prefix", "bucket"),
        ("s3://bucket/a/../c", "prefix"),
        ("gs://bucket", "not supported"),
        ("file://otherhost/dir", "local"),
        ("  ", "empty"),
    ],
)
def test_factory_refuses_malformed_urls(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        open_document_store(url)


# --- The DocumentStore protocol, for every backend -----------------------------------------------


@pytest.fixture(params=["local", "s3"])
async def document_store(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[DocumentStore]:
    if request.param == "local":
        store: DocumentStore = FileStore(tmp_path / "files")
    else:
        endpoint = request.getfixturevalue("endpoint")
        store = make_s3(endpoint, request.getfixturevalue("bucket"))
    try:
        yield store
    finally:
        await store.close()


async def test_protocol_is_implemented(document_store: DocumentStore) -> None:
    assert isinstance(document_store, DocumentStore)


async def test_protocol_round_trip(document_store: DocumentStore) -> None:
    data = os.urandom(12_345)
    stored = await document_store.put(data, "jpg")
    assert KEY_SHAPE.fullmatch(stored.relative_path)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.size == len(data)
    assert await document_store.read(stored.relative_path) == data


async def test_protocol_check(document_store: DocumentStore) -> None:
    stored = await document_store.put(b"letter", "pdf")
    assert await document_store.check(stored.relative_path, stored.sha256)
    assert await document_store.check(stored.relative_path, stored.sha256.upper())
    assert not await document_store.check(stored.relative_path, hashlib.sha256(b"x").hexdigest())
    await document_store.delete(stored.relative_path)
    assert not await document_store.check(stored.relative_path, stored.sha256)


async def test_protocol_empty_file(document_store: DocumentStore) -> None:
    stored = await document_store.put(b"", "pdf")
    assert stored.size == 0
    assert await document_store.read(stored.relative_path) == b""


async def test_protocol_distinct_names(document_store: DocumentStore) -> None:
    results = await asyncio.gather(*(document_store.put(b"same", "png") for _ in range(10)))
    assert len({r.relative_path for r in results}) == 10


async def test_protocol_delete_is_idempotent(document_store: DocumentStore) -> None:
    stored = await document_store.put(b"x", "png")
    await document_store.delete(stored.relative_path)
    await document_store.delete(stored.relative_path)
    with pytest.raises(FileNotFoundError):
        await document_store.read(stored.relative_path)


async def test_protocol_missing_read(document_store: DocumentStore) -> None:
    with pytest.raises(FileNotFoundError):
        await document_store.read("2021/02/" + "1" * 32 + ".png")


@pytest.mark.parametrize("extension", ["", "JPG", ".jpg", "j/pg", "toolongext", "jp g"])
async def test_protocol_bad_extensions(document_store: DocumentStore, extension: str) -> None:
    with pytest.raises(ValueError):
        await document_store.put(b"x", extension)


@pytest.mark.parametrize(
    "relative",
    ["", "/etc/passwd", "../x.jpg", "2026/../../x.jpg", "a//b.jpg", "a\\b.jpg", "a\x00"],
)
async def test_protocol_bad_paths(document_store: DocumentStore, relative: str) -> None:
    with pytest.raises(ValueError):
        await document_store.read(relative)
    with pytest.raises(ValueError):
        await document_store.delete(relative)
    with pytest.raises(ValueError):
        await document_store.check(relative, "0" * 64)


async def test_the_bot_keeps_every_document_in_the_object_store(
    api: FakeBotApi,
    data_dir: Path,
    bucket: str,
    endpoint: str,
    admin: S3Client,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """FILES_URL=s3://…: uploads, the staff announcement and the export all use the bucket."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    files_url = f"s3://{bucket}/documents?endpoint={endpoint}&region={REGION}"
    runtime = BotRuntime(bot_settings(api, data_dir, files_url=files_url))
    await runtime.start()
    try:
        applicant = Applicant(api, user_id=5151, first_name="سمیرا")
        summary = await applicant.file_to_summary()
        await applicant.tap_and_reply(summary, texts.BUTTON_SUBMIT)
        card = await api.next_message(ADMIN_CHAT_ID)
        letter = await api.next_message(ADMIN_CHAT_ID)
        assert letter["reply_to_message"]["message_id"] == card["message_id"]
        [request] = await runtime.store.requests.list_for_user(applicant.user_id)
        stored = (await runtime.store.requests.get(request.id)).attachments
    finally:
        await runtime.stop()
    in_bucket = keys(admin, bucket)
    assert {f"documents/{a.stored_path}" for a in stored} <= set(in_bucket)
    assert not (data_dir / "files").exists()  # nothing was written to local disk
