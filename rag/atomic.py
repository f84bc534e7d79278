"""Writing a small file so that a reader sees the old file or the whole new one, never a part."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def temp_pattern(path: Path) -> str:
    """The glob of the temporary files `write_text_atomic` may leave beside `path` if killed."""
    return f".{path.name}.*.tmp"


def write_text_atomic(path: Path, text: str) -> None:
    """Write `text` (UTF-8) to a temporary file beside `path`, fsync it, then rename it over
    `path`. On any error the temporary file is removed and `path` is left as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
