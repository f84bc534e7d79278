"""What `rag chat` checks before it indexes anything or listens: its --auth, its port, its models.
Each problem is one line (RagError) that says what to do."""
from __future__ import annotations

from typing import Optional

from rag.errors import RagError
from rag.models import embed_location, llm_path
from rag.settings import Settings


def parse_auth(value: Optional[str]) -> Optional[tuple[str, str]]:
    """`user:password` -> (user, password); None/empty -> None; anything else is a RagError."""
    if value is None or not value.strip():
        return None
    user, sep, password = value.strip().partition(":")
    if not sep or not user or not password:
        raise RagError("--auth / RAG_AUTH must look like user:password (both non-empty)")
    return user, password


def port_problem(host: str, port: int) -> str:
    """Why `rag chat` could not listen on host:port ('' when it can, as far as a test bind shows)."""
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds: TIME_WAIT is no problem
            probe.bind(address)
    except OSError as exc:
        return exc.strerror or str(exc)
    return ""


def check_models(settings: Settings) -> None:
    """A model that cannot be found stops `rag chat` at the start, in one line (RagError), not at its
    first question behind a page that looks ready. The bundled LLM is assembled now if need be."""
    embed_location(settings)
    llm_path(settings, progress=True)
