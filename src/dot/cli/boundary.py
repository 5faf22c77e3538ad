"""The one error boundary: exceptions become one `dot: error:` line and an exit code."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import NoReturn

import click

from dot.cli.terminal import Terminal, wants_color
from dot.errors import ConflictError, DotError, ExitCode


class Current:
    """The terminal and debug flag of the running command, once options are parsed."""

    terminal: Terminal | None = None
    debug: bool = False
    json_requested: bool = False


def _terminal() -> Terminal:
    if Current.terminal is not None:
        return Current.terminal
    # Options were not parsed (a usage error): honour --format json from argv anyway,
    # so a script always gets its one JSON document.
    return Terminal(color=wants_color(None, sys.stderr), json_mode=Current.json_requested)


def _asks_for_json(argv: Sequence[str]) -> bool:
    """--format json on the command line (the last one wins), else DOT_FORMAT=json."""
    args = list(argv)
    chosen = None
    for index, arg in enumerate(args):
        if arg == "--":
            break
        if arg.startswith("--format="):
            chosen = arg.partition("=")[2]
        elif arg == "--format" and index + 1 < len(args):
            chosen = args[index + 1]
    if chosen is None:
        chosen = os.environ.get("DOT_FORMAT", "").strip().lower()
    return chosen == "json"


def _json_error(
    term: Terminal, message: str, code: int, conflicts: list[dict[str, object]]
) -> None:
    if term.json_mode:
        error: dict[str, object] = {"message": message, "exit_code": code}
        if conflicts:
            error["conflicts"] = conflicts
        term.emit_json({"error": error})


def run(group: click.Group, argv: Sequence[str] | None = None) -> int:
    """Run the CLI and map every outcome to an exit code."""
    Current.terminal = None
    Current.debug = False
    Current.json_requested = _asks_for_json(sys.argv[1:] if argv is None else argv)
    try:
        result = group.main(
            args=list(argv) if argv is not None else None, prog_name="dot", standalone_mode=False
        )
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        _terminal().error("interrupted")
        return ExitCode.INTERRUPTED
    except click.exceptions.NoArgsIsHelpError as exc:
        term = _terminal()
        if term.json_mode:  # DOT_FORMAT=json: a script gets its document, not help text
            message = f"Missing command. (see '{exc.ctx.command_path} --help')"
            term.error(message)
            _json_error(term, message, ExitCode.USAGE, [])
        else:
            click.echo(exc.ctx.get_help())
        return ExitCode.USAGE
    except click.ClickException as exc:
        term = _terminal()
        message = exc.format_message()
        if isinstance(exc, click.UsageError) and exc.ctx is not None:
            message = f"{message} (see '{exc.ctx.command_path} --help')"
        term.error(message)
        _json_error(term, message, exc.exit_code, [])
        return exc.exit_code
    except ConflictError as exc:
        from dot.cli.render import conflict_json, render_conflicts

        term = _terminal()
        term.error(exc.message)
        render_conflicts(exc.conflicts, term)
        _json_error(term, exc.message, exc.exit_code, [conflict_json(c) for c in exc.conflicts])
        return exc.exit_code
    except DotError as exc:
        term = _terminal()
        term.error(exc.message)
        _json_error(term, exc.message, exc.exit_code, [])
        if Current.debug:
            _print_traceback()
        return exc.exit_code
    except KeyboardInterrupt:
        _terminal().error("interrupted")
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        return ExitCode.ERROR
    except Exception as exc:  # the last resort: never a bare traceback by default
        term = _terminal()
        term.error(f"internal error: {type(exc).__name__}: {exc} (run with --debug for details)")
        _json_error(term, f"internal error: {exc}", ExitCode.ERROR, [])
        if Current.debug:
            _print_traceback()
        return ExitCode.ERROR
    return int(result) if isinstance(result, int) else ExitCode.OK


def leave(code: int) -> NoReturn:
    """End the process with `code` now: flush the output, run the exit handlers, and
    skip the interpreter's teardown.

    Teardown frees every object one by one; after a large run that is some 20 ms
    nobody waits for gladly, and dot needs none of it: every file is written and
    closed before its command returns, and the lock goes with the process.
    """
    import atexit

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`dot list | head`), a closed stream
            code = code or ExitCode.ERROR
    atexit._run_exitfuncs()
    os._exit(code)


def _print_traceback() -> None:
    import traceback  # only with --debug

    traceback.print_exc()
