"""Reading a seeds folder into numbered paragraphs.

Every non-empty line of a document is one paragraph, numbered from 1 in file order;
blank lines are skipped and do not count. These numbers are what answers cite.
"""
from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .errors import RagError

SUFFIXES = (".txt", ".md")
MAX_FILE_BYTES = int(float(os.environ.get("RAG_MAX_FILE_MB", "20")) * 1024 * 1024)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# Terminal escapes and other control characters (tab excepted) are never content: they become spaces.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Chat-template control tokens (<|im_start|>, <|im_end|>, <|endoftext|>...): the LLM's tokenizer turns them
# into real special tokens, so text carrying them could close the user turn and open a system one.
_CHAT_TOKEN = re.compile(r"<\|([^<>|\n]{0,64})\|>")
SPLIT_VERSION = 2  # bump when split_paragraphs() changes: indexes are then rebuilt (vectors reused by text)


@dataclass(frozen=True)
class Paragraph:
    doc: str  # file name relative to the seeds folder, POSIX separators
    number: int  # 1-based
    text: str
    hash: str  # content hash of `text`, the embedding cache key


@dataclass(frozen=True)
class Document:
    name: str
    sha256: str  # of the raw bytes
    paragraphs: tuple[Paragraph, ...]


@dataclass(frozen=True)
class Skipped:
    """A file that was not indexed, and why (one line, says what to do)."""

    name: str
    reason: str

    def __str__(self) -> str:
        return f"skipped {self.name}: {self.reason}"


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def defuse_chat_tokens(text: str) -> str:
    """`<|im_start|>` -> `< |im_start| >`: still readable, no longer a control token for the LLM."""
    while True:
        out = _CHAT_TOKEN.sub(r"< |\1| >", text)
        if out == text:
            return out
        text = out


def clean_text(text: str) -> str:
    """Document or question text made safe for terminals and the prompt (see CONTROL_CHARS, _CHAT_TOKEN)."""
    return defuse_chat_tokens(CONTROL_CHARS.sub(" ", text))


def split_paragraphs(text: str, doc: str = "") -> tuple[Paragraph, ...]:
    """Number the non-empty lines of `text` from 1 (CRLF, CR and LF all end a line)."""
    lines = (clean_text(line).strip() for line in _LINE_BREAK.split(text))
    return tuple(
        Paragraph(doc, n, line, text_hash(line))
        for n, line in enumerate((line for line in lines if line), start=1)
    )


def decode(raw: bytes) -> str:
    """Decode UTF-8 (with or without BOM) or BOM-marked UTF-16; raise ValueError otherwise."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    if b"\x00" in raw:
        raise ValueError("binary file (NUL bytes)")
    return raw.decode("utf-8-sig")


def _candidates(seeds: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(seeds):  # does not descend symlinked folders
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if not name.startswith(".") and path.suffix.lower() in SUFFIXES:
                yield path


def read_document(path: Path, seeds: Path) -> Document | Skipped:
    """Read one file; a problem becomes a `Skipped` with a reason, never an exception."""
    name = path.relative_to(seeds).as_posix()
    if CONTROL_CHARS.search(name) or "\n" in name or _CHAT_TOKEN.search(name):
        # a name is printed in terminals and written into the prompt as a passage label
        return Skipped(defuse_chat_tokens(re.sub(r"[\x00-\x1f\x7f-\x9f]", "?", name)),
                       "its name has control characters or a chat-template token; rename the file")
    # a symlink may point anywhere; only files that really live inside seeds count
    if path.is_symlink() and not path.resolve().is_relative_to(seeds.resolve()):
        return Skipped(name, "symlink to a file outside the seeds folder (not followed); copy the file in instead")
    try:
        st = path.stat()
        size = st.st_size
        if not stat.S_ISREG(st.st_mode):  # a FIFO or device would block or never end
            return Skipped(name, "not a regular file (pipe, socket or device); copy the text into a file")
        if size > MAX_FILE_BYTES:
            return Skipped(name, f"{size / 2**20:.0f} MB is over the {MAX_FILE_BYTES / 2**20:.0f} MB limit; split it or raise RAG_MAX_FILE_MB")
        raw = path.read_bytes()
    except OSError as exc:
        return Skipped(name, f"cannot be read ({exc.strerror or exc}); check its permissions")
    try:
        text = decode(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        what = "binary file" if "NUL" in str(exc) else "not UTF-8 text"
        return Skipped(name, f"{what}; save it as UTF-8 text")
    paragraphs = split_paragraphs(text, name)
    if not paragraphs:
        return Skipped(name, "empty (no non-blank line); add text or remove it")
    return Document(name, hashlib.sha256(raw).hexdigest(), paragraphs)


def read_seeds(seeds: Path) -> tuple[list[Document], list[Skipped]]:
    """All readable documents of a seeds folder, sorted by name, and the files skipped."""
    if not seeds.is_dir():
        raise RagError(f"seeds folder {seeds} does not exist; create it and put .txt or .md files in it, or pass --seeds DIR")
    docs: list[Document] = []
    skipped: list[Skipped] = []
    for path in _candidates(seeds):
        result = read_document(path, seeds)
        (docs if isinstance(result, Document) else skipped).append(result)
    if not docs:
        detail = f" ({len(skipped)} skipped)" if skipped else ""
        raise RagError(f"no readable .txt or .md documents in {seeds}{detail}; add UTF-8 text files or pass --seeds DIR")
    return docs, skipped
