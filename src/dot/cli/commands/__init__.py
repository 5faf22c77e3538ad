"""One module per command; each exposes `register(group, with_session)`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from click import Context
    from click.shell_completion import CompletionItem

    from dot.cli.session import Session
    from dot.results import RunResult

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


# Completion callbacks that import dot.cli.completion only when a shell asks.
def complete_available(ctx: Context, param: Any, incomplete: str) -> list[CompletionItem]:
    from dot.cli import completion

    return completion.complete_available(ctx, param, incomplete)


def complete_installed(ctx: Context, param: Any, incomplete: str) -> list[CompletionItem]:
    from dot.cli import completion

    return completion.complete_installed(ctx, param, incomplete)


def show_run(session: Session, result: RunResult) -> int:
    """Render a manage/unmanage/remanage result; the exit code is 0."""
    from dot.cli.render import render_run, run_json

    session.close()
    if session.json:
        session.terminal.emit_json(run_json(result))
    else:
        render_run(result, session.terminal)
    return 0
