"""Checks on uploaded photos: a real JPEG, PNG or WebP image, under the size and pixel limits,
with its location stripped. What the client says the file is counts for nothing.

Order matters (issue 22): the format is read from the file's first bytes before Pillow sees it
(Pillow would otherwise try every decoder it has), the pixel count is read from the header
before anything is decoded (a 40-megapixel bomb is a few kilobytes of PNG and 160 MB once
decoded), and decoding runs at most two at a time per process. The stored file carries no EXIF
or XMP (a phone's GPS position of the plant would reach every reader), only its orientation.
"""

import io
import secrets
import threading

from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from core.errors import DomainError

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 48-megapixel phone photo is refused before decoding eats the memory
FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp")}
ORIENTATION = 0x0112
_DECODING = threading.BoundedSemaphore(2)


class PhotoRefused(DomainError):
    """A file that is not an acceptable photo (it counts toward the hidden danger's photo cap)."""


def sniff(head: bytes) -> str | None:
    """The format named by the file's magic bytes, if it is one we accept."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return None


def check_image(upload) -> dict:
    """Return {extension, content_type, width, height, size, token, data} (data: the bytes to
    store, metadata stripped) or raise PhotoRefused (400/413)."""
    size = upload.size or 0
    if size == 0:
        raise PhotoRefused(_("The photo file is empty."))
    if size > MAX_BYTES:
        raise PhotoRefused(_("The photo is %(mb).1f MB; at most %(max)d MB.") % {
            "mb": size / 1024 / 1024, "max": MAX_BYTES // 1024 // 1024}, status=413)
    upload.seek(0)
    kind = sniff(upload.read(16))
    if kind is None:
        raise PhotoRefused(_("The file is not a JPEG, PNG or WebP image."))
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    try:
        # Header only: Image.open reads the size without decoding pixels.
        with Image.open(io.BytesIO(data), formats=[kind]) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise PhotoRefused(_("The photo is too large in pixels (%(w)d × %(h)d).") % {"w": width, "h": height})
            image.verify()
        with _DECODING:
            # verify() leaves the image unusable; decoding it fully catches truncated files too.
            with Image.open(io.BytesIO(data), formats=[kind]) as image:
                image.load()
                stored = _without_metadata(image, kind, data)
    except DomainError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise PhotoRefused(_("The file is not a JPEG, PNG or WebP image.")) from None
    extension, content_type = FORMATS[kind]
    return {"extension": extension, "content_type": content_type, "width": width, "height": height,
            "size": len(stored), "token": secrets.token_hex(16), "data": stored}


def _without_metadata(image, kind: str, data: bytes) -> bytes:
    """The photo re-written without EXIF (GPS), XMP or text chunks; the EXIF orientation is kept
    so it still shows the right way up. JPEG keeps its quantisation tables (no visible loss)."""
    orientation = image.getexif().get(ORIENTATION)
    exif = Image.Exif()
    if orientation:
        exif[ORIENTATION] = orientation
    out = io.BytesIO()
    extra = {"icc_profile": image.info["icc_profile"]} if image.info.get("icc_profile") else {}
    if kind == "JPEG":
        quality = "keep" if image.mode in ("L", "RGB", "CMYK") else 92
        image.save(out, "JPEG", quality=quality, exif=exif.tobytes(), **extra)
    elif kind == "PNG":
        extra.update({k: image.info[k] for k in ("transparency", "dpi") if k in image.info})
        image.save(out, "PNG", exif=exif.tobytes(), **extra)
    else:
        image.save(out, "WEBP", lossless=bool(image.info.get("lossless")), quality=90, exif=exif.tobytes(), xmp=b"",
                   **extra)
    return out.getvalue()
