"""Uploaded documents in an S3-compatible object store (AWS S3, MinIO, Ceph RGW, ArvanCloud…).

:class:`S3FileStore` implements :class:`storage.filestore.DocumentStore` with boto3, whose
blocking calls run in worker threads (a boto3 client is thread-safe). Objects are named exactly
like :class:`storage.filestore.FileStore` names files (``yyyy/mm/<uuid>.<ext>``), under an
optional key prefix, so the relative paths kept in the database are the same for both backends.

Each object carries its SHA-256 as user metadata (``x-amz-meta-sha256``) and, unless turned off
for a server that refuses it, as the S3 checksum ``ChecksumSHA256``, which the server checks on
upload. Reads check the body against the object's size and, when present, that SHA-256.

Credentials are never part of the configuration URL: they come from boto3's standard sources
(``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` / ``AWS_SESSION_TOKEN``, the shared
credentials file, an instance role) unless given to the constructor. Nothing here logs them,
file contents or anything about the people the files belong to.

Needs the ``s3`` extra: ``pip install 'tvto-skill-bot[s3]'``.
"""

from __future__ import annotations

import asyncio
import base64
import errno
import hashlib
import hmac
import mimetypes
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Final, Literal, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, IncompleteReadError

from storage.filestore import (
    CorruptStoredFile,
    StoredFile,
    new_relative_path,
    split_relative_path,
)

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

__all__ = ["S3FileStore", "S3StoreError"]

AddressingStyle = Literal["auto", "path", "virtual"]

_T = TypeVar("_T")

_SHA256_META: Final = "sha256"
_MISSING_CODES: Final = frozenset({"NoSuchKey", "404", "NotFound"})
# Deliberately looser than AWS's rules (Ceph and older stores accept more); the server decides.
_BUCKET_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,254}")
_URL_OPTIONS: Final = frozenset({"endpoint", "region", "addressing", "checksum"})
_ADDRESSING: Final[dict[str, AddressingStyle]] = {
    "auto": "auto",
    "path": "path",
    "virtual": "virtual",
}
_TRUE: Final = frozenset({"1", "true", "yes", "on"})
_FALSE: Final = frozenset({"0", "false", "no", "off"})
_CREDENTIALS_HINT: Final = (
    "credentials do not belong in FILES_URL: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
)


class S3StoreError(OSError):
    """The object store refused or failed a request (other than "no such object").

    Carries the S3 error code (``AccessDenied``, ``NoSuchBucket``, …) or the name of the
    client-side failure; the original exception is chained.
    """


class S3FileStore:
    """Documents in ``bucket`` (under ``prefix``) of an S3-compatible object store.

    ``endpoint_url`` is the server for anything but AWS (``https://minio.example:9000``);
    with it, path-style addressing is used unless ``addressing_style`` says otherwise, since
    MinIO and Ceph serve that without extra DNS. ``access_key``/``secret_key`` (both or neither)
    override boto3's standard credential sources. ``checksum=False`` stops sending the S3
    ``ChecksumSHA256`` for servers that refuse it (the SHA-256 metadata is kept either way).

    The bucket must exist; this class never creates or configures buckets.
    """

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        prefix: str = "",
        addressing_style: AddressingStyle | None = None,
        checksum: bool = True,
    ) -> None:
        if not _BUCKET_RE.fullmatch(bucket):
            raise ValueError("invalid bucket name")
        if (access_key is None) != (secret_key is None):
            raise ValueError("give both access_key and secret_key, or neither")
        if endpoint_url is not None:
            _check_endpoint(endpoint_url)
        self._bucket = bucket
        self._prefix = _normalize_prefix(prefix)
        self._endpoint_url = endpoint_url
        self._checksum = checksum
        if addressing_style is None:
            addressing_style = "path" if endpoint_url else "auto"
        config = Config(
            region_name=region,
            signature_version="s3v4",
            s3={"addressing_style": addressing_style},
            retries={"max_attempts": 5, "mode": "standard"},
            connect_timeout=10,
            read_timeout=60,
            # boto3 >= 1.36 adds a CRC checksum to every upload by default, which several
            # S3-compatible servers reject; we send our own SHA-256 checksum explicitly instead.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        # A Session of its own: the module-level default session is not thread-safe.
        session = boto3.session.Session()
        self._client: S3Client = session.client(
            "s3",
            endpoint_url=endpoint_url,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            config=config,
        )

    @classmethod
    def from_url(cls, url: str) -> S3FileStore:
        """A store from ``s3://bucket[/prefix][?endpoint=…&region=…&addressing=…&checksum=…]``.

        ``endpoint`` is an ``http``/``https`` URL; ``addressing`` is ``path``, ``virtual`` or
        ``auto``; ``checksum`` is ``on``/``off``. Credentials in the URL (``user:pass@``, or
        any other parameter) are refused with ``ValueError``; messages never repeat the URL.
        """
        parts = urlsplit(url.strip())
        if parts.scheme.lower() != "s3":
            raise ValueError("not an s3:// URL")
        if "@" in parts.netloc:
            raise ValueError(_CREDENTIALS_HINT)
        if parts.fragment:
            raise ValueError("FILES_URL must not have a #fragment")
        try:
            query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
        except ValueError:
            raise ValueError("malformed FILES_URL query string") from None
        unknown = sorted(set(query) - _URL_OPTIONS)
        if unknown:
            if any("key" in name.lower() or "secret" in name.lower() for name in unknown):
                raise ValueError(_CREDENTIALS_HINT)
            raise ValueError(f"unknown FILES_URL option(s): {', '.join(unknown)}")
        options: dict[str, str] = {}
        for name, values in query.items():
            if len(values) != 1 or not values[0]:
                raise ValueError(f"FILES_URL option {name!r} must be given once, with a value")
            options[name] = values[0]
        addressing: AddressingStyle | None = None
        if "addressing" in options:
            if options["addressing"] not in _ADDRESSING:
                raise ValueError("FILES_URL addressing must be path, virtual or auto")
            addressing = _ADDRESSING[options["addressing"]]
        checksum = options.get("checksum", "on").lower()
        if checksum not in _TRUE | _FALSE:
            raise ValueError("FILES_URL checksum must be on or off")
        return cls(
            parts.netloc,
            endpoint_url=options.get("endpoint"),
            region=options.get("region"),
            prefix=unquote(parts.path),
            addressing_style=addressing,
            checksum=checksum in _TRUE,
        )

    @property
    def bucket(self) -> str:
        return self._bucket

    @property
    def prefix(self) -> str:
        """The key prefix, ``""`` or ending in ``/``."""
        return self._prefix

    def key(self, relative_path: str) -> str:
        """The object key of a stored file; malformed paths raise ``ValueError``."""
        split_relative_path(relative_path)
        return self._prefix + relative_path

    def __repr__(self) -> str:
        return (
            f"S3FileStore(bucket={self._bucket!r}, prefix={self._prefix!r}, "
            f"endpoint_url={self._endpoint_url!r})"
        )

    # --- DocumentStore ------------------------------------------------------------------------

    async def put(self, data: bytes, extension: str) -> StoredFile:
        """Store ``data`` as a new object named like :meth:`FileStore.put` names files."""
        relative = new_relative_path(extension)
        digest = hashlib.sha256(data).digest()
        key = self._prefix + relative
        await self._call(relative, lambda: self._put_object(key, data, extension, digest))
        return StoredFile(relative_path=relative, sha256=digest.hex(), size=len(data))

    async def read(self, relative_path: str) -> bytes:
        """The object's bytes, checked against its size and stored SHA-256.

        ``FileNotFoundError`` if there is no such object; :class:`CorruptStoredFile` if the body
        does not match; :class:`S3StoreError` for other failures of the store.
        """
        key = self.key(relative_path)
        body, sha256 = await self._call(relative_path, lambda: self._get_object(key))
        if sha256 is not None and not hmac.compare_digest(
            hashlib.sha256(body).hexdigest(), sha256.strip().lower()
        ):
            raise CorruptStoredFile("stored object does not match its SHA-256")
        return body

    async def delete(self, relative_path: str) -> None:
        """Delete the object; one that is already gone is fine."""
        key = self.key(relative_path)
        try:
            await self._call(
                relative_path, lambda: self._client.delete_object(Bucket=self._bucket, Key=key)
            )
        except FileNotFoundError:
            return

    async def check(self, relative_path: str, sha256: str) -> bool:
        """Whether the object exists and the SHA-256 of its bytes equals ``sha256``.

        Downloads and hashes the object rather than trusting its metadata. A malformed path
        raises ``ValueError``; failures of the store other than a missing object propagate.
        """
        key = self.key(relative_path)
        try:
            body, _ = await self._call(relative_path, lambda: self._get_object(key))
        except (FileNotFoundError, CorruptStoredFile):
            return False
        return hmac.compare_digest(hashlib.sha256(body).hexdigest(), sha256.strip().lower())

    async def close(self) -> None:
        """Close the client's connection pool."""
        self._client.close()

    # --- Blocking helpers (worker thread) -----------------------------------------------------

    def _put_object(self, key: str, data: bytes, extension: str, digest: bytes) -> None:
        content_type = mimetypes.types_map.get("." + extension, "application/octet-stream")
        metadata = {_SHA256_META: digest.hex()}
        if self._checksum:
            self._client.put_object(
                Bucket=self._bucket,
                Key=key,
                Body=data,
                ContentType=content_type,
                Metadata=metadata,
                # Both: the algorithm header alone would make boto3 compute the checksum itself
                # (as an aws-chunked trailer over HTTPS, which S3-compatible servers handle
                # unevenly); with the value given it goes as a plain header the server checks.
                ChecksumAlgorithm="SHA256",
                ChecksumSHA256=base64.b64encode(digest).decode("ascii"),
            )
        else:
            self._client.put_object(
                Bucket=self._bucket,
                Key=key,
                Body=data,
                ContentType=content_type,
                Metadata=metadata,
            )

    def _get_object(self, key: str) -> tuple[bytes, str | None]:
        """The body and the stored SHA-256 (if any), the body checked against the size."""
        response = self._client.get_object(Bucket=self._bucket, Key=key)
        stream = response["Body"]
        try:
            body = stream.read()
        finally:
            stream.close()
        if len(body) != response["ContentLength"]:
            raise CorruptStoredFile("stored object arrived with the wrong size")
        return body, response.get("Metadata", {}).get(_SHA256_META)

    async def _call(self, relative_path: str, call: Callable[[], _T]) -> _T:
        """Run ``call`` in a worker thread, translating the client's errors."""
        try:
            return await asyncio.to_thread(call)
        except ClientError as err:
            code = str(err.response.get("Error", {}).get("Code", "Unknown"))
            if code in _MISSING_CODES:
                raise FileNotFoundError(
                    errno.ENOENT, "no such stored file", relative_path
                ) from None
            raise S3StoreError(f"object store request failed: {code}") from err
        except IncompleteReadError:
            raise CorruptStoredFile("stored object arrived truncated") from None
        except BotoCoreError as err:
            raise S3StoreError(f"object store request failed: {type(err).__name__}") from err


def _normalize_prefix(prefix: str) -> str:
    prefix = prefix.strip("/")
    if not prefix:
        return ""
    try:
        split_relative_path(prefix)
    except ValueError:
        raise ValueError("invalid key prefix") from None
    return prefix + "/"


def _check_endpoint(endpoint_url: str) -> None:
    parts = urlsplit(endpoint_url)
    if "@" in parts.netloc:
        raise ValueError(_CREDENTIALS_HINT)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("the object store endpoint must be an http:// or https:// URL")
    if parts.query or parts.fragment:
        raise ValueError("the object store endpoint must not have a query or fragment")
