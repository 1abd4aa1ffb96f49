"""The project's exception tree: callers catch ``PosterToolError`` and show its message."""

from __future__ import annotations


class PosterToolError(Exception):
    """An error a user can act on; its message is one plain sentence."""


class StoreError(PosterToolError):
    """The catalog database refused an operation or is unusable."""


class EditConflict(StoreError):
    """An edit based on a view of the catalog that another curator has changed since."""


class TimeUp(StoreError):
    """A query ran past the time it was given (:meth:`Connection.time_limit`)."""


class IntakeError(PosterToolError):
    """A file or download is not an acceptable poster image."""


class ManifestError(PosterToolError):
    """An import manifest or folder cannot be read."""


class CrawlError(PosterToolError):
    """A crawl could not fetch or parse what it needed."""


class ModelError(PosterToolError):
    """A model cannot be trained, loaded or used."""


class Cancelled(PosterToolError):
    """A long job was cancelled by the user before it finished."""
