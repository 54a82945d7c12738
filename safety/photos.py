"""Checks on uploaded photos: a real JPEG, PNG or WebP image (Pillow verifies it), under the
size and pixel limits. What the client says the file is counts for nothing."""

import io
import secrets

from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from core.errors import DomainError

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 48-megapixel phone photo is refused before decoding eats the memory
FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp")}


def check_image(upload) -> dict:
    """Return {extension, content_type, width, height, size, token} or raise DomainError(400)."""
    size = upload.size or 0
    if size == 0:
        raise DomainError(_("The photo file is empty."))
    if size > MAX_BYTES:
        raise DomainError(_("The photo is %(mb).1f MB; at most %(max)d MB.") % {
            "mb": size / 1024 / 1024, "max": MAX_BYTES // 1024 // 1024}, status=413)
    data = upload.read()
    upload.seek(0)
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise DomainError(_("The photo is too large in pixels (%(w)d × %(h)d).") % {"w": width, "h": height})
            image.verify()
        # verify() leaves the image unusable; decoding it fully catches truncated files too.
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    except DomainError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise DomainError(_("The file is not a JPEG, PNG or WebP image.")) from None
    if kind not in FORMATS:
        raise DomainError(_("The file is not a JPEG, PNG or WebP image."))
    extension, content_type = FORMATS[kind]
    return {"extension": extension, "content_type": content_type, "width": width, "height": height,
            "size": size, "token": secrets.token_hex(16)}
