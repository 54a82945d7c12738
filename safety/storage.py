"""Private files: photos of hidden dangers live outside MEDIA_ROOT, with no public URL.

Only safety.views.photo serves them, after checking that the reader may see the hidden danger.
`SAFETY_PRIVATE_ROOT` (environment) moves them; the default is var/private beside var/media.
"""

import os
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage


def private_root() -> Path:
    # An empty SAFETY_PRIVATE_ROOT (exported but blank) means the default, never the working directory.
    return Path(settings.SAFETY_PRIVATE_ROOT or Path(settings.BASE_DIR) / "var" / "private")


class PrivateStorage(FileSystemStorage):
    """A file system storage without base_url: asking for a URL is an error, never a public path.
    Its root is read from the settings on every use, so tests (and a changed setting) take effect."""

    def __init__(self):
        super().__init__(base_url=None, file_permissions_mode=0o600, directory_permissions_mode=0o700)

    @property
    def base_location(self):
        return str(private_root())

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("private files have no URL; use the safety photo view")


def private_storage():
    return PrivateStorage()
