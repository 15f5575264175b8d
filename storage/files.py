"""The document store that the ``FILES_URL`` setting names: the local :class:`FileStore` or
the S3-compatible object store.

The factory sits here, apart from both backends, so that ``storage.s3store`` imports only what
``storage.filestore`` shares and neither backend imports the other. The object store is
imported on use: it needs the optional ``s3`` extra (boto3).
"""

from __future__ import annotations

import os
import re
from typing import Final
from urllib.parse import unquote, urlsplit

from storage.filestore import DocumentStore, FileStore

__all__ = ["open_document_store"]

_SCHEME_RE: Final = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")


def open_document_store(url_or_dir: str | os.PathLike[str]) -> DocumentStore:
    """The document store that ``FILES_URL`` names.

    A path (or a plain string, or ``file:///abs/dir``) gives a :class:`FileStore` rooted there;
    ``s3://bucket[/prefix]?endpoint=https://…&region=…`` gives an
    :class:`storage.s3store.S3FileStore` (see :meth:`~storage.s3store.S3FileStore.from_url`),
    which needs the ``s3`` extra. Credentials never go in the URL: the object store takes them
    from ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``. Errors never repeat the URL.
    """
    if not isinstance(url_or_dir, str):
        return FileStore(url_or_dir)
    text = url_or_dir.strip()
    if not text:
        raise ValueError("FILES_URL is empty")
    scheme = _SCHEME_RE.match(text)
    if scheme is None:
        return FileStore(text)
    name = scheme.group(1).lower()
    if name == "file":
        parts = urlsplit(text)
        if parts.netloc not in ("", "localhost") or parts.query or parts.fragment:
            raise ValueError("FILES_URL file:// URLs name a local directory only")
        return FileStore(unquote(parts.path))
    if name == "s3":
        try:
            from storage.s3store import S3FileStore
        except ModuleNotFoundError as err:
            if err.name and err.name.split(".")[0] in ("boto3", "botocore"):
                raise RuntimeError(
                    "FILES_URL s3://… needs the 's3' extra: pip install 'tvto-skill-bot[s3]'"
                ) from err
            raise
        return S3FileStore.from_url(text)
    raise ValueError(f"FILES_URL scheme {name!r} is not supported (use a directory or s3://)")
