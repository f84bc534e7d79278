"""The `rag` command line. Heavy libraries are imported inside the commands that need them."""
from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path
from typing import Callable

import click

from .errors import RagError, bug_line
from .settings import Settings


def _err(msg: str) -> None:
    click.echo(msg, err=True)


def friendly(fn: Callable) -> Callable:
    """Turn RagError (and Ctrl-C) into one line on stderr and a non-zero exit, no traceback.

    Any other exception is a bug: one line too, with the traceback only when RAG_DEBUG=1."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except RagError as exc:
            raise click.ClickException(str(exc)) from None
        except KeyboardInterrupt:
            _err("interrupted")
            sys.exit(130)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except Exception as exc:  # noqa: BLE001
            if os.environ.get("RAG_DEBUG", "").strip() in ("1", "true", "yes"):
                raise
            raise click.ClickException(bug_line(exc, "", "run again with RAG_DEBUG=1 for the details")) from None

    return wrapper


def common(fn: Callable) -> Callable:
    """--seeds and --index, taken by every command."""
    fn = click.option("--index", "index", type=click.Path(path_type=Path), default=None,
                      help="Index folder (default: RAG_INDEX, or one per seeds folder under the project's index/).")(fn)
    fn = click.option("--seeds", type=click.Path(path_type=Path), default=None,
                      help="Folder of .txt/.md documents (default: RAG_SEEDS, or the project's seeds/).")(fn)
    return fn


def settings_from(seeds: Path | None, index: Path | None, **extra) -> Settings:
    return Settings.load(seeds=seeds, index=index, **extra)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="rag")
def cli() -> None:
    """Ask questions about a folder of documents; every answer cites its paragraphs."""


@cli.command()
@common
@click.option("--watch", is_flag=True, help="Keep running and rebuild whenever the seeds folder changes.")
@friendly
def index(seeds: Path | None, index: Path | None, watch: bool) -> None:
    """Build or update the index (only changed documents are re-embedded)."""
    from .indexer import build_index

    settings = settings_from(seeds, index)

    def once() -> None:
        _, report = build_index(settings, progress=True)
        click.echo(report.summary())

    once()
    if watch:
        from .indexer import rebuild_on_changes

        _err(f"watching {settings.seeds} for changes (Ctrl-C to stop)")
        rebuild_on_changes(settings.seeds, once, lambda exc: _err(f"error: {exc}"))


CHECKED_NOTE = "(checked against the cited paragraphs, the answer reads:)"  # before a changed answer


@cli.command()
@common
@click.argument("question", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (answer, citations, passages, timings).")
@click.option("--k", type=click.IntRange(min=1), default=None, help="Passages handed to the model (default: 3 retrieved, or 4 hints with the whole corpus in context).")
@click.option("--history", multiple=True, help="An earlier question of the same chat (repeatable, oldest first).")
@click.option("--stream/--no-stream", default=None,
              help="Print the answer as it is written, and what the checks withdraw (default: on a terminal only; "
                   "piped, only the checked answer is printed).")
@friendly
def ask(seeds: Path | None, index: Path | None, question: str | None, as_json: bool, k: int | None,
        history: tuple[str, ...], stream: bool | None) -> None:
    """Answer QUESTION from the documents, streaming, then list the cited sources."""
    from .answer import Answer, Reset, Token
    from .documents import CONTROL_CHARS
    from .pipeline import Pipeline
    from .user_input import clean_history, clean_question

    def safe(text: str) -> str:  # model text never drives the terminal (escape sequences, \r overwrites)
        return CONTROL_CHARS.sub(" ", text)

    settings = settings_from(seeds, index, k=k)
    if question is None and not sys.stdin.isatty():
        raw = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read()
        question = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw  # never a UnicodeDecodeError
    clean_question(question, settings.max_question_chars, follows=bool(clean_history(history)))  # fail fast
    pipe = Pipeline(settings)
    pipe.ensure_index(progress=False)
    answer: Answer | None = None
    # piped output gets only the checked answer: a claim the checks withdrew must not reach a file
    shown = not as_json and (sys.stdout.isatty() if stream is None else stream)
    streamed = ""
    explained = False  # the last thing printed is a Reset's reason: a second one says why more follows
    try:
        for event in pipe.ask_stream(question or "", list(history)):
            if isinstance(event, Token) and shown:
                streamed += event.text
                explained = False
                click.echo(safe(event.text), nl=False)
            elif isinstance(event, Reset) and shown:
                if streamed or explained:
                    click.echo(f"\n({event.reason})" if streamed else f"({event.reason})")
                    explained = True
                streamed = ""
            elif isinstance(event, Answer):
                answer = event
    except KeyboardInterrupt:
        if streamed:  # end the half-streamed line, so "interrupted" is not glued to it
            click.echo("")
        raise
    assert answer is not None
    if as_json:
        click.echo(json.dumps(answer.to_dict(), ensure_ascii=False, indent=1))
        return
    if streamed.strip() != answer.text.strip():  # citations moved or source wording put back
        click.echo((f"\n{CHECKED_NOTE}\n" if streamed else "") + safe(answer.text), nl=False)
    click.echo("")
    if answer.invented:
        click.echo("[unverified: the documents do not contain " + ", ".join(answer.invented) + "]")
    elif not answer.verified:
        click.echo("[unverified: no citation could be checked against the documents]")
    from .render import source_lines

    for line in source_lines(answer):
        click.echo(safe(line))
    if k is not None and len(answer.passages) < min(k, len(answer.retrieved)):  # --k past what fits
        _err(f"note: {len(answer.passages)} of the {len(answer.retrieved)} passages retrieved fit the model's context "
             f"(RAG_N_CTX={settings.n_ctx}); the rest were left out")


@cli.command(name="eval")
@common
@click.option("--qa", "qa", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="QA file (JSON Lines, schema in the eval README).")
@click.option("--k", type=click.IntRange(min=1), default=None, help="Passages handed to the model (default: 3 retrieved, or 4 hints with the whole corpus in context).")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the first N questions.")
@click.option("--retrieval-only", is_flag=True,
              help="Skip the answers; report retrieval figures only. Retrieval is the chat's: the LLM still "
                   "translates a question whose language differs from the corpus's (RAG_TRANSLATE=0 turns that off; "
                   "without a usable LLM it retrieves untranslated, with a warning).")
@click.option("--mode", type=click.Choice(["hybrid", "dense", "lexical", "all"]), default="hybrid",
              help="Retriever to evaluate (retrieval-only; 'all' reports the three side by side).")
@click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON object on stdout.")
@friendly
def eval_cmd(seeds: Path | None, index: Path | None, qa: Path, k: int | None, limit: int | None,
             retrieval_only: bool, mode: str, as_json: bool) -> None:
    """Score retrieval and answers against a QA file."""
    from .evaluate import format_table, run_eval

    settings = settings_from(seeds, index, k=k)
    result = run_eval(settings, qa, limit=limit, retrieval_only=retrieval_only, mode=mode)
    click.echo(json.dumps(result, ensure_ascii=False) if as_json else format_table(result))


@cli.command()
@common
@friendly
def models(seeds: Path | None, index: Path | None) -> None:
    """Show the models in use and where they live; exit 1 when one of them cannot be used."""
    from .models import describe

    info = describe(settings_from(seeds, index))
    for key, value in info.items():
        click.echo(f"{key:>20}: {value}")
    marks = ("MISSING:", "[MISSING:", "[UNUSABLE:", "[NOT WRITABLE:")
    unusable = [key for key, value in info.items() if any(mark in value for mark in marks)]
    if unusable:
        raise click.ClickException(f"{', '.join(unusable)}: cannot be used as set; fix what is marked above")


@cli.command()
@common
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind; 0.0.0.0 exposes it to the network.")
@click.option("--port", default=7860, show_default=True, type=click.IntRange(1, 65535))
@click.option("--auth", default=None, help="user:password required to open the app (or RAG_AUTH).")
@click.option("--watch/--no-watch", default=True, show_default=True,
              help="Update the index whenever the seeds folder changes while the chat runs.")
@friendly
def chat(seeds: Path | None, index: Path | None, host: str, port: int, auth: str | None, watch: bool) -> None:
    """Start the browser chat (Gradio)."""
    from ui.app import serve

    serve(settings_from(seeds, index), host=host, port=port, auth=auth, watch=watch)


@cli.command()
@common
@click.option("--qa", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Questions to time (default: the seed dev set if present).")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the first N questions.")
@click.option("--sweep", is_flag=True, help="Also measure prompt throughput per n_batch (32/128/512) and thread count.")
@click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON object on stdout.")
@friendly
def bench(seeds: Path | None, index: Path | None, qa: Path | None, limit: int | None, sweep: bool,
          as_json: bool) -> None:
    """Measure cold start, indexing, retrieval and answer latency against raw baselines."""
    from .bench import format_bench, run_bench

    result = run_bench(settings_from(seeds, index), qa=qa, limit=limit, sweep=sweep)
    click.echo(json.dumps(result, ensure_ascii=False) if as_json else format_bench(result))


def main() -> None:
    """Run the CLI; a usage error (bad flag value, unknown option or command) is one line, not four."""
    try:
        code = cli.main(prog_name="rag", standalone_mode=False)
    except click.UsageError as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # bare `rag`: the help is the message
            exc.show()
            sys.exit(exc.exit_code)
        where = exc.ctx.command_path if exc.ctx is not None else "rag"
        _err(f"Error: {exc.format_message().rstrip('.')} (see `{where} --help`)")
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.Abort:
        _err("Aborted.")
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
