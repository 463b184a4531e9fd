"""Exception hierarchy. Library failures are wrapped so callers catch one family."""

from __future__ import annotations


class AuthenticityError(Exception):
    """Base class of every error raised by the library."""


class SourceError(AuthenticityError, OSError):
    """The scan source cannot be opened or read (missing path, bad URL, not a dump)."""


class ExtractionError(AuthenticityError, ValueError):
    """A file could not be parsed; the document becomes ``unreadable`` with this reason."""


class EncryptedDocument(ExtractionError):
    """The document is encrypted and its content cannot be read without a password."""


class UnsupportedFormat(AuthenticityError, LookupError):
    """No extractor handles this type."""
