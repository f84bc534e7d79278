"""User-facing errors (every message is one line that says what to do) and counted nouns in messages."""
from __future__ import annotations


def plural(n: int, noun: str, nouns: str | None = None) -> str:
    """`n` and the noun in the right number: "1 paragraph", "2 paragraphs" (`nouns`: an irregular plural)."""
    return f"{n} {noun if n == 1 else nouns or noun + 's'}"


class RagError(Exception):
    """An error shown to the user as one line, without a traceback."""


def bug_line(exc: BaseException, doing: str, after: str) -> str:
    """One line for an exception no code expected: its type, `doing`, its first line, and `after`."""
    first = (str(exc).splitlines() or [""])[0][:200]
    return f"unexpected {type(exc).__name__}{doing}: {first} (a bug; {after})"


class NoDocuments(RagError):
    """The seeds folder holds no readable document (all deleted, or none readable): nothing to index."""


class IndexMissing(RagError):
    """No index has been built for this seeds folder yet."""


class IndexCorrupt(RagError):
    """The index folder exists but cannot be trusted."""


class ModelMismatch(IndexCorrupt):
    """The index was built with another embedding model."""


class ModelMissing(RagError):
    """A model file or package is missing or damaged."""


class BadQuestion(RagError):
    """The question cannot be answered as given (empty, too long...)."""
