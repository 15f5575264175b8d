"""QR codes for verify URLs, dense enough to survive a phone camera.

Error correction is level Q (about 25% of the code can be lost). Data made only of the QR
alphanumeric characters (``0-9 A-Z space $ % * + - . / :``) is encoded in alphanumeric mode,
which takes 5.5 bits a character instead of 8. A URL whose lower-case letters are all in its
scheme and host (both case-insensitive) is upper-cased there to qualify; anything else falls
back to qrcode's mixed-mode segmentation, so the decoded text is then exactly ``data``.
"""

from __future__ import annotations

import re

import qrcode
import qrcode.constants
from PIL import Image
from qrcode.util import MODE_ALPHA_NUM, QRData

__all__ = ["ALPHANUMERIC_CHARSET", "make_qr", "matrix_image", "qr_matrix", "qr_text"]

ALPHANUMERIC_CHARSET = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
_SCHEME_HOST = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*://)([^/?#@]*)(.*)$", re.DOTALL)


def _alphanumeric(text: str) -> bool:
    return ALPHANUMERIC_CHARSET.issuperset(text)


def qr_text(data: str) -> str:
    """The text actually encoded for ``data`` (see the module docstring)."""
    if _alphanumeric(data):
        return data
    match = _SCHEME_HOST.match(data)
    if match:
        scheme, host, rest = match.groups()
        candidate = scheme.upper() + host.upper() + rest
        if _alphanumeric(candidate):
            return candidate
    return data


def qr_matrix(data: str, *, border: int = 4) -> list[list[bool]]:
    """The module matrix (``True`` = dark) including a ``border``-module quiet zone."""
    text = qr_text(data)
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, border=border)
    if _alphanumeric(text):
        code.add_data(QRData(text, mode=MODE_ALPHA_NUM))
    else:
        code.add_data(text)
    code.make(fit=True)
    matrix: list[list[bool]] = code.get_matrix()
    return matrix


def matrix_image(matrix: list[list[bool]], box_size: int) -> Image.Image:
    """A grayscale image, ``box_size`` pixels a module, black on white."""
    size = len(matrix)
    pixels = bytes(0 if dark else 255 for row in matrix for dark in row)
    small = Image.frombytes("L", (size, size), pixels)
    return small.resize((size * box_size, size * box_size), Image.Resampling.NEAREST)


def make_qr(data: str, *, box_size: int = 10, border: int = 4) -> Image.Image:
    """A QR code for ``data`` as a grayscale ``PIL.Image`` (mode ``"L"``)."""
    if box_size < 1:
        raise ValueError("box_size must be at least 1")
    return matrix_image(qr_matrix(data, border=border), box_size)
