"""What an uploaded file really is, read from its bytes, and a clean copy of it.

The client's file name and Content-Type are never trusted. Images are decoded and re-encoded
by Pillow, which drops every metadata block (EXIF with its GPS position, XMP, comments, ICC);
a PDF is recognised by its signature and kept as sent (it is only ever served as a download).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from equinet.uploads.exceptions import UnreadableImage, UnsupportedFileType

# Decoding more pixels than this would cost far more memory than any photo needs.
MAX_PIXELS = 40_000_000
# Longest side kept: larger photos are scaled down (aspect ratio kept).
MAX_SIDE = 4096

_IMAGE_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}  # fmt: skip
PDF = ("application/pdf", "pdf")


@dataclass(frozen=True)
class CleanFile:
    mime_type: str
    extension: str
    data: bytes


def is_pdf(data: bytes) -> bool:
    return data[:5] == b"%PDF-"


def clean_upload(data: bytes, *, allow_pdf: bool) -> CleanFile:
    """The file's real type and its cleaned bytes; UnsupportedFileType for anything else."""
    if is_pdf(data):
        if not allow_pdf:
            raise UnsupportedFileType()
        return CleanFile(*PDF, data)
    return _clean_image(data)


def _clean_image(data: bytes) -> CleanFile:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            kind = _IMAGE_FORMATS.get(image.format or "")
            if kind is None:
                raise UnsupportedFileType()
            if image.width * image.height > MAX_PIXELS:
                raise UnreadableImage("Bilden har för många pixlar. Max 40 megapixel.")
            image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UnsupportedFileType() from None
    except (OSError, SyntaxError, ValueError) as error:  # truncated or corrupt data
        raise UnreadableImage() from error
    # Turn the picture upright before the orientation tag is dropped with the rest of EXIF.
    upright: Image.Image = ImageOps.exif_transpose(image)
    if max(upright.size) > MAX_SIDE:
        upright.thumbnail((MAX_SIDE, MAX_SIDE))
    mime_type, extension = kind
    return CleanFile(mime_type, extension, _encode(upright, image_format_of(mime_type)))


def image_format_of(mime_type: str) -> str:
    return {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}[mime_type]


def _encode(image: Image.Image, image_format: str) -> bytes:
    # A fresh image holds pixels only: nothing of the original's metadata can follow it.
    mode = image.mode
    if image_format == "JPEG" and mode not in ("RGB", "L"):
        image, mode = image.convert("RGB"), "RGB"
    if mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
        image, mode = image.convert("RGBA"), "RGBA"
    clean = Image.new(mode, image.size)
    if mode == "P":
        palette = image.getpalette()
        if palette is not None:
            clean.putpalette(palette)
        if "transparency" in image.info:
            clean.info["transparency"] = image.info["transparency"]
    clean.paste(image, (0, 0))
    out = io.BytesIO()
    options: dict[str, object] = {}
    if image_format == "JPEG":
        options = {"quality": 88, "optimize": True}
    elif image_format == "WEBP":
        options = {"quality": 85}
    elif image_format == "PNG":
        options = {"optimize": True}
    clean.save(out, format=image_format, **options)
    return out.getvalue()
