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

from .errors import NoDocuments, RagError

SUFFIXES = (".txt", ".md")
# documents a user may drop in expecting them read: each is listed as skipped, with what to do
OTHER_FORMATS = frozenset(".pdf .doc .docx .odt .rtf .epub .ppt .pptx .odp .xls .xlsx .ods .csv .html .htm".split())
MAX_FILE_BYTES = 20 * 2**20  # the default of Settings.max_file_mb (RAG_MAX_FILE_MB)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# Terminal escapes and other control characters (tab excepted) are never content: they become spaces.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# A whole escape sequence goes, not just its ESC (else "\x1b[31m" leaves "[31m"): CSI (ESC [ or the C1 byte),
# OSC/DCS/APC/PM strings ended by BEL or ST (a hyperlink's URL with them), and two-byte ESC sequences.
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|\x1b[\]P^_X][^\x07\x1b\x9c\n]{0,512}(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[ -/]*[0-~]")
# Chat-template control tokens (<|im_start|>, <|im_end|>, <|endoftext|>...): the LLM's tokenizer turns them
# into real special tokens, so text carrying them could close the user turn and open a system one.
_CHAT_TOKEN = re.compile(r"<\|([^<>|\n]{0,64})\|>")
SPLIT_VERSION = 3  # bump when split_paragraphs() changes: indexes are then rebuilt (vectors reused by text)


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
    return defuse_chat_tokens(CONTROL_CHARS.sub(" ", _ESCAPE_SEQUENCE.sub(" ", text)))


def split_paragraphs(text: str, doc: str = "") -> tuple[Paragraph, ...]:
    """Number the non-empty lines of `text` from 1 (CRLF, CR and LF all end a line)."""
    lines = (clean_text(line).strip() for line in _LINE_BREAK.split(text))
    return tuple(
        Paragraph(doc, n, line, text_hash(line))
        for n, line in enumerate((line for line in lines if line), start=1)
    )


def decode(raw: bytes) -> str:
    """Decode UTF-8 (with or without BOM) or BOM-marked UTF-16 or UTF-32; raise ValueError otherwise."""
    if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):  # before UTF-16: FF FE starts both
        return raw.decode("utf-32")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    if b"\x00" in raw:
        raise ValueError("binary file (NUL bytes)")
    return raw.decode("utf-8-sig")


def _candidates(seeds: Path, skipped: list[Skipped]) -> Iterator[Path]:
    """The document files under `seeds`, sorted; a folder that cannot be listed is added to `skipped`."""

    def unreadable(exc: OSError) -> None:
        name = Path(exc.filename).relative_to(seeds).as_posix() + "/" if exc.filename else "?"
        skipped.append(Skipped(name, f"folder cannot be read ({exc.strerror or exc}); check its permissions"))

    for dirpath, dirnames, filenames in os.walk(seeds, onerror=unreadable):  # does not descend symlinked folders
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if not name.startswith(".") and path.suffix.lower() in SUFFIXES:
                yield path
            elif not name.startswith(".") and path.suffix.lower() in OTHER_FORMATS:
                skipped.append(Skipped(path.relative_to(seeds).as_posix(), f"a {path.suffix.lower()} file, not plain "
                                       "text (only .txt and .md are read); save its text as a .txt file"))


def _outside_link(path: Path, seeds: Path) -> str:
    """Why the symlink `path` is not followed ('' when it points to a file inside seeds)."""
    try:
        target = path.resolve(strict=True)
    except FileNotFoundError:
        return "broken symlink (its target does not exist); fix or remove the link"
    except (OSError, RuntimeError):  # a loop: RuntimeError before Python 3.13, OSError (ELOOP) after
        return "symlink loop (the link points back to itself); fix or remove the link"
    if not target.is_relative_to(seeds.resolve()):
        return "symlink to a file outside the seeds folder (not followed); copy the file in instead"
    return ""


def read_document(path: Path, seeds: Path, max_bytes: int = MAX_FILE_BYTES) -> Document | Skipped:
    """Read one file; a problem becomes a `Skipped` with a reason, never an exception."""
    name = path.relative_to(seeds).as_posix()
    if CONTROL_CHARS.search(name) or "\n" in name or _CHAT_TOKEN.search(name):
        # a name is printed in terminals and written into the prompt as a passage label
        return Skipped(defuse_chat_tokens(re.sub(r"[\x00-\x1f\x7f-\x9f]", "?", name)),
                       "its name has control characters or a chat-template token; rename the file")
    # a symlink may point anywhere; only files that really live inside seeds count
    why = _outside_link(path, seeds) if path.is_symlink() else ""
    if why:
        return Skipped(name, why)
    try:
        st = path.stat()
        size = st.st_size
        if not stat.S_ISREG(st.st_mode):  # a FIFO or device would block or never end
            return Skipped(name, "not a regular file (pipe, socket or device); copy the text into a file")
        if size > max_bytes:
            return Skipped(name, f"{size / 2**20:.0f} MB is over the {max_bytes / 2**20:g} MB limit; split it or raise RAG_MAX_FILE_MB")
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


def read_seeds(seeds: Path, max_bytes: int = MAX_FILE_BYTES) -> tuple[list[Document], list[Skipped]]:
    """All readable documents of a seeds folder, sorted by name, and the files skipped."""
    if seeds.exists() and not seeds.is_dir():
        raise RagError(f"seeds folder {seeds} is a file, not a folder; pass the folder that holds it with --seeds DIR")
    if not seeds.is_dir():
        raise RagError(f"seeds folder {seeds} does not exist; create it and put .txt or .md files in it, or pass --seeds DIR")
    docs: list[Document] = []
    skipped: list[Skipped] = []
    for path in _candidates(seeds, skipped):
        result = read_document(path, seeds, max_bytes)
        (docs if isinstance(result, Document) else skipped).append(result)
    if not docs:
        # the reasons belong in this one line: nothing else gets printed when the build stops here
        detail = " | ".join(str(s) for s in skipped[:3]) + (f" | and {len(skipped) - 3} more" if len(skipped) > 3 else "")
        detail = f" ({detail})" if skipped else ""
        raise NoDocuments(f"no readable .txt or .md documents in {seeds}{detail}; add UTF-8 text files or pass --seeds DIR")
    return docs, skipped
