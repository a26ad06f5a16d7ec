"""The support catalogue file (support.toml): checked at start, read again when the office edits it.

An invalid file stops the start with file, line and field named. While the bot runs, a file that
has become invalid is reported in the log and the last good catalogue stays in use.
"""

from __future__ import annotations

import logging
from pathlib import Path

from bot.config import ConfigError
from flows.support import Catalogue, CatalogueError, parse_catalogue

log = logging.getLogger(__name__)

Stamp = tuple[int, int] | None


def read_catalogue(path: Path) -> Catalogue:
    """Parse and check the file; ConfigError names file, line and field when it is invalid."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the support catalogue: {error}") from error
    try:
        return parse_catalogue(text, str(path))
    except CatalogueError as error:
        raise ConfigError(str(error)) from error


class SupportFile:
    """The catalogue of one file. A reload that fails keeps the last good catalogue."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp = _stamp(path)
        self._catalogue = read_catalogue(path)

    @property
    def catalogue(self) -> Catalogue:
        """The last good catalogue."""
        return self._catalogue

    def reload(self) -> bool:
        """Read the file again. On an error log it, keep the last good catalogue, return False."""
        stamp = _stamp(self.path)
        try:
            catalogue = read_catalogue(self.path)
        except ConfigError as error:
            self._stamp = stamp  # report a broken file once, not on every step
            log.warning("support catalogue not reloaded, the last good one stays in use: %s", error)
            return False
        self._catalogue, self._stamp = catalogue, stamp
        log.info("support catalogue reloaded from %s", self.path)
        return True

    def current(self) -> Catalogue:
        """The catalogue, read again first if the file has changed since it was last read."""
        if _stamp(self.path) != self._stamp:
            self.reload()
        return self._catalogue


def _stamp(path: Path) -> Stamp:
    """What tells that the file changed: its modification time and size."""
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size
