"""Typed errors of the core; each class carries the exit code the CLI reports."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from dot.model import Conflict


class ExitCode:
    """The process exit codes of `dot` (DESIGN.md section 1)."""

    OK = 0
    ERROR = 1
    USAGE = 2
    CONFLICT = 3
    PERMISSION = 4
    NOT_FOUND = 5
    INTERRUPTED = 130


class DotError(Exception):
    """Base of every error the core raises on purpose; the message is one line."""

    exit_code: ClassVar[int] = ExitCode.ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(DotError):
    """A bad option value or a bad combination of options."""

    exit_code = ExitCode.USAGE


class InvalidPackageName(UsageError):
    """A package name that is not a plain directory name."""


class InvalidPattern(UsageError):
    """An ignore pattern that cannot be compiled."""


class ConfigError(DotError):
    """A configuration value, ignore file or setting that cannot be used."""


class ManifestError(DotError):
    """The manifest is corrupt, of an unknown version, or belongs elsewhere."""


class PackageNotFound(DotError):
    """A package directory that does not exist."""

    exit_code = ExitCode.NOT_FOUND


class NotInstalled(DotError):
    """A package that exists but is not installed in the target."""

    exit_code = ExitCode.NOT_FOUND


class PermissionDenied(DotError):
    """The operating system refused access to a path."""

    exit_code = ExitCode.PERMISSION


class LockedError(DotError):
    """Another `dot` process is changing the same target."""


class UnsafeLayout(DotError):
    """The package directory and the target overlap in a way that would loop."""


class ExecutionError(DotError):
    """An operation failed; every completed operation was rolled back."""


class Interrupted(DotError):
    """The run was interrupted; every completed operation was rolled back."""

    exit_code = ExitCode.INTERRUPTED


class ConflictError(DotError):
    """Planning found conflicts the chosen policy cannot resolve; nothing was changed."""

    exit_code = ExitCode.CONFLICT

    def __init__(self, conflicts: Sequence[Conflict], policy: str) -> None:
        self.conflicts = tuple(conflicts)
        self.policy = policy
        count = len(self.conflicts)
        noun = "conflict" if count == 1 else "conflicts"
        hint = "" if policy != "fail" else " (see --on-conflict)"
        super().__init__(f"{count} {noun} with policy '{policy}'; nothing was changed{hint}")
