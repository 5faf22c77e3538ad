"""Shell completion: package names from the package directory and the manifest.

Completion runs on every <Tab>, so it reads as little as possible and never fails:
any problem just means no suggestions.
"""

from __future__ import annotations

import json
import os
from typing import Any

import click
from click.shell_completion import CompletionItem


def _option(ctx: click.Context, name: str) -> str | None:
    """The value of a global option given before or after the command, if any."""
    for context in (ctx, ctx.parent):
        if context is None:
            continue
        value = context.params.get(name)
        if isinstance(value, str) and value:
            return value
    return None


def _places(ctx: click.Context) -> tuple[str, str]:
    """(package directory, manifest path) as a run would use them: the options typed so
    far, then DOT_* variables, the config file and .stowrc files (dot.config)."""
    flags = {n: v for n in ("dir", "target", "manifest") if (v := _option(ctx, n)) is not None}
    try:
        from dot import config

        settings = config.load(flags, os.environ, os.getcwd())
    except Exception:  # a broken configuration: complete from what was typed
        given = flags.get("dir") or os.environ.get("DOT_DIR")
        directory = os.path.abspath(os.path.expanduser(given)) if given else os.getcwd()
        target = os.path.expanduser(flags.get("target") or os.environ.get("DOT_TARGET") or "~")
        manifest = flags.get("manifest") or os.environ.get("DOT_MANIFEST")
        return directory, manifest or os.path.join(target, ".dot-manifest.json")
    manifest = settings.manifest or os.path.join(settings.target, ".dot-manifest.json")
    return settings.dir, manifest


def _package_dir(ctx: click.Context) -> str:
    return _places(ctx)[0]


def _installed(ctx: click.Context) -> list[str]:
    manifest = _places(ctx)[1]
    try:
        with open(os.path.expanduser(manifest), "rb") as handle:
            packages = json.load(handle).get("packages", {})
    except (OSError, ValueError, AttributeError):
        return []
    return sorted(name for name in packages if isinstance(name, str))


def _available(ctx: click.Context) -> list[str]:
    directory = _package_dir(ctx)
    try:
        with os.scandir(directory) as entries:
            return sorted(
                e.name for e in entries if e.is_dir() and not e.name.startswith((".", "_"))
            )
    except OSError:
        return []


def complete_available(ctx: click.Context, _param: Any, incomplete: str) -> list[CompletionItem]:
    """Packages in the package directory (for manage and adopt)."""
    return [CompletionItem(n) for n in _available(ctx) if n.startswith(incomplete)]


def complete_installed(ctx: click.Context, _param: Any, incomplete: str) -> list[CompletionItem]:
    """Packages recorded in the manifest (for unmanage, remanage and status)."""
    names = _installed(ctx) or _available(ctx)
    return [CompletionItem(n) for n in names if n.startswith(incomplete)]


SHELLS = ("bash", "zsh", "fish")


def script(group: click.Command, shell: str) -> str:
    """The completion script for `shell`, as click generates it."""
    from click.shell_completion import get_completion_class

    completion = get_completion_class(shell)
    if completion is None:  # pragma: no cover - SHELLS only lists supported shells
        raise click.BadParameter(f"unsupported shell {shell}")
    return completion(group, {}, "dot", "_DOT_COMPLETE").source()
