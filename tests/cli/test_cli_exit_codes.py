"""Exit codes (DESIGN.md section 1): 0 ok, 1 error, 2 usage, 3 conflicts, 4 permission,
5 not found / not installed, 130 interrupted; each error is one `dot: error:` line."""

from __future__ import annotations

import json
import os

import pytest

from dot.cli import boundary
from dot.cli.app import cli
from dot.service import Dot

REBUILD = "`dot doctor --fix` rebuilds it from the links on disk and keeps this file aside"


def one_error_line(stderr: str) -> str:
    """The single `dot: error:` line that is the whole of stderr."""
    assert stderr.startswith("dot: error: ")
    assert stderr.endswith("\n")
    assert stderr.count("\n") == 1, stderr
    return stderr[len("dot: error: ") : -1]


# --- 0 -----------------------------------------------------------------------------


def test_exit_0_when_manage_succeeds(env):
    env.vim()

    result = env.dot("manage", "vim")

    assert result.exit_code == 0
    assert result.stderr == ""
    env.expect(result.stdout, "manage vim: 2 operations (link 2) in {elapsed}\n")
    assert os.readlink(env.home / ".vimrc") == "../dotfiles/vim/dot-vimrc"
    assert os.readlink(env.home / ".vim") == "../dotfiles/vim/dot-vim"


def test_boundary_run_returns_the_exit_code_without_exiting(env, capsys):
    """The same boundary the console script uses, called directly."""
    env.vim()

    code = boundary.run(cli, ["manage", "nope", "-d", str(env.dir), "-t", str(env.home)])

    captured = capsys.readouterr()
    assert code == 5
    assert captured.out == ""
    assert captured.err == f"dot: error: package not found in {env.real_dir}: nope\n"


# --- 1 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("not json", "is not valid JSON (Expecting value: line 1 column 1 (char 0))"),
        ('{"version": 99}', "is corrupt: unknown version 99 (this dot reads version 1)"),
        ("[]", "is corrupt: the document has the wrong type"),
    ],
    ids=["not-json", "unknown-version", "wrong-type"],
)
@pytest.mark.parametrize("command", ["manage", "remanage", "unmanage"])
def test_exit_1_corrupt_manifest_names_it_and_changes_nothing(env, command, content, problem):
    env.vim()
    env.manifest.write_text(content)
    before = env.state()

    result = env.dot(command, "vim")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert (
        result.stderr
        == f"dot: error: manifest {env.real_home}/.dot-manifest.json {problem}; {REBUILD}\n"
    )
    assert env.state() == before
    assert env.manifest.read_text() == content


def test_exit_1_missing_target_directory_is_not_created(env):
    env.vim()
    missing = env.root / "nohome"

    result = env.run("manage", "vim", "-d", str(env.dir), "-t", str(missing))

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"dot: error: target directory {missing} does not exist\n"
    assert not missing.exists()


def test_exit_1_target_that_is_a_file(env):
    env.vim()
    afile = env.root / "afile"
    afile.write_text("x")
    before = env.state()

    result = env.run("manage", "vim", "-t", str(afile))

    assert result.exit_code == 1
    assert result.stderr == f"dot: error: target directory {afile} is not a directory\n"
    assert env.state() == before
    assert afile.read_text() == "x"


def test_exit_1_target_inside_the_package_directory(env):
    env.vim()
    inside = env.dir / "vim"
    before = env.state()

    result = env.run("manage", "vim", "-t", str(inside))

    assert result.exit_code == 1
    assert result.stderr == (
        f"dot: error: the target {env.real_dir}/vim is inside the package directory "
        f"{env.real_dir}; links would point into themselves\n"
    )
    assert env.state() == before


# --- 2 -----------------------------------------------------------------------------

USAGE_EXACT = [
    (["manage", "../x"], "package name '../x' must not contain a path separator"),
    (["manage", "a/b"], "package name 'a/b' must not contain a path separator"),
    (["manage", "vim", "a/b"], "package name 'a/b' must not contain a path separator"),
    (["manage", ".."], "'..' is not a package name"),
    (["manage", "."], "'.' is not a package name"),
    (["manage", ""], "a package name cannot be empty"),
    (["unmanage", "../vim"], "package name '../vim' must not contain a path separator"),
    (["remanage", "x/y"], "package name 'x/y' must not contain a path separator"),
    (["unmanage"], "missing package names (or --all)"),
    (["unmanage", "--all", "vim"], "give package names or --all, not both"),
]


@pytest.mark.parametrize(("args", "message"), USAGE_EXACT, ids=lambda v: repr(v))
def test_exit_2_bad_package_names_and_unmanage_arguments(env, args, message):
    env.vim()
    before = env.state()

    result = env.dot(*args)

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"dot: error: {message}\n"
    assert env.state() == before


# Messages composed by click: the fragment that must be there, and the help hint
# (click gives no context for a missing option value, so that one has no hint).
USAGE_CLICK = [
    (["manage", "vim", "--frobnicate"], "No such option '--frobnicate'", "dot manage"),
    (["--frobnicate", "manage", "vim"], "No such option '--frobnicate'", "dot"),
    (
        ["manage", "vim", "--on-conflict", "bogus"],
        "Invalid value for '--on-conflict'",
        "dot manage",
    ),
    (["--on-conflict", "bogus", "manage", "vim"], "Invalid value for '--on-conflict'", "dot"),
    (["manage", "vim", "--jobs", "0"], "Invalid value for '-j' / '--jobs': 0 is", "dot manage"),
    (["--jobs", "0", "manage", "vim"], "Invalid value for '-j' / '--jobs': 0 is", "dot"),
    (["manage", "vim", "-j", "x"], "Invalid value for '-j' / '--jobs'", "dot manage"),
    (["manage", "vim", "--format", "xml"], "Invalid value for '--format'", "dot manage"),
    (["manage", "vim", "--color", "maybe"], "Invalid value for '--color'", "dot manage"),
    (["manage"], "Missing argument 'PKG...'", "dot manage"),
    (["remanage"], "Missing argument 'PKG...'", "dot remanage"),
    (["frobnicate"], "No such command 'frobnicate'", "dot"),
    (["manage", "vim", "-d"], "Option '-d' requires an argument.", None),
]


@pytest.mark.parametrize(("args", "fragment", "command"), USAGE_CLICK, ids=lambda v: repr(v))
def test_exit_2_usage_errors_from_option_parsing(env, args, fragment, command):
    env.vim()
    before = env.state()

    result = env.run(*args)

    assert result.exit_code == 2
    assert result.stdout == ""
    message = one_error_line(result.stderr)
    assert fragment in message
    if command is None:
        assert message == fragment
    else:
        assert message.endswith(f" (see '{command} --help')")
    assert env.state() == before


def test_exit_2_invalid_name_is_checked_before_anything_else(env):
    """A bad name among good ones: nothing installed, even the package dir is not read."""
    env.vim()

    result = env.run("manage", "vim", "../x", "-d", str(env.root / "missing"))

    assert result.exit_code == 2
    assert result.stderr == "dot: error: package name '../x' must not contain a path separator\n"
    assert list(env.home.iterdir()) == []


# --- 3 -----------------------------------------------------------------------------


def test_exit_3_conflict_lists_path_kind_and_package_and_changes_nothing(env):
    env.vim()
    (env.home / ".vimrc").write_text("mine\n")
    before = env.state()

    result = env.dot("manage", "vim")

    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr == (
        "dot: error: 1 conflict with policy 'fail'; nothing was changed (see --on-conflict)\n"
        "  .vimrc  existing      existing file in the way (wanted by vim)\n"
    )
    assert env.state() == before
    assert not env.manifest.exists()


def test_exit_3_every_conflict_is_reported_at_once(env):
    env.vim()
    env.package("zsh", {"dot-zshrc/a": "a\n", "dot-zshenv": "e\n"})
    (env.home / ".vimrc").write_text("mine\n")
    (env.home / ".vim").symlink_to("/nowhere/else")
    (env.home / ".zshrc").write_text("z\n")
    before = env.state()

    result = env.dot("manage", "vim", "zsh")

    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr == (
        "dot: error: 3 conflicts with policy 'fail'; nothing was changed (see --on-conflict)\n"
        "  .vim    foreign-link  symlink to somewhere else (/nowhere/else) (wanted by vim)\n"
        "  .vimrc  existing      existing file in the way (wanted by vim)\n"
        "  .zshrc  type-clash    package has a dir, target has a file (wanted by zsh)\n"
    )
    assert env.state() == before


def test_exit_3_link_owned_by_another_package(env):
    env.vim()
    env.package("vim2", {"dot-vimrc": "other\n"})
    assert env.dot("manage", "vim2").exit_code == 0
    before = env.state()

    result = env.dot("manage", "vim")

    assert result.exit_code == 3
    assert result.stderr == (
        "dot: error: 1 conflict with policy 'fail'; nothing was changed (see --on-conflict)\n"
        "  .vimrc  other-package link owned by package vim2 (wanted by vim)\n"
    )
    assert env.state() == before


def test_exit_3_in_a_dry_run_too(env):
    env.vim()
    (env.home / ".vimrc").write_text("mine\n")
    before = env.state()

    result = env.dot("-n", "manage", "vim")

    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr.startswith("dot: error: 1 conflict with policy 'fail'; nothing")
    assert env.state() == before


# --- 4 -----------------------------------------------------------------------------


def _exit_4_unwritable_target(env):
    env.vim()
    env.home.chmod(0o555)
    try:
        before = env.state(mtimes=False)
        result = env.dot("manage", "vim", "--jobs", "1")
        after = env.state(mtimes=False)
    finally:
        env.home.chmod(0o755)
    assert result.exit_code == 4
    assert result.stdout == ""
    assert result.stderr == (
        f"dot: error: cannot write to {env.real_home}: permission denied; nothing was changed\n"
    )
    assert after == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root bypasses permission bits (see the next test)")
def test_exit_4_unwritable_target_directory(env):
    _exit_4_unwritable_target(env)


@pytest.mark.skipif(os.geteuid() != 0, reason="the test above covers non-root users")
def test_exit_4_unwritable_target_directory_as_root_without_cap_dac_override(env, unprivileged):
    with unprivileged():
        _exit_4_unwritable_target(env)


def test_exit_4_unwritable_manifest_directory_is_found_before_any_change(env, unprivileged):
    env.vim()
    readonly = env.root / "ro"
    readonly.mkdir()
    readonly.chmod(0o555)
    before = env.state(mtimes=False)
    try:
        with unprivileged():
            result = env.dot("manage", "vim", "--manifest", str(readonly / "m.json"))
    finally:
        readonly.chmod(0o755)

    assert result.exit_code == 4
    assert result.stdout == ""
    assert result.stderr == (
        f"dot: error: cannot write to {readonly}: permission denied; nothing was changed\n"
    )
    assert env.state(mtimes=False) == before
    assert list(readonly.iterdir()) == []


def test_exit_4_unreadable_package(env, unprivileged):
    package = env.vim()
    package.chmod(0o000)
    try:
        with unprivileged():
            result = env.dot("manage", "vim")
    finally:
        package.chmod(0o755)

    assert result.exit_code == 4
    message = one_error_line(result.stderr)
    assert message.startswith(f"cannot read {env.real_dir}/vim")
    assert message.endswith(": permission denied")
    assert list(env.home.iterdir()) == []


# --- 5 -----------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["manage", "remanage", "unmanage"])
def test_exit_5_package_not_found_names_it_and_touches_nothing(env, command):
    env.vim()
    before = env.state()

    result = env.dot(command, "nope")

    assert result.exit_code == 5
    assert result.stdout == ""
    assert result.stderr == f"dot: error: package not found in {env.real_dir}: nope\n"
    assert env.state() == before


def test_exit_5_lists_every_missing_package_and_installs_none(env):
    env.vim()
    before = env.state()

    result = env.dot("manage", "nope", "vim", "zsh")

    assert result.exit_code == 5
    assert result.stderr == f"dot: error: packages not found in {env.real_dir}: nope, zsh\n"
    assert env.state() == before


def test_exit_5_missing_package_directory(env):
    missing = env.root / "nodotfiles"

    result = env.run("manage", "vim", "-d", str(missing), "-t", str(env.home))

    assert result.exit_code == 5
    assert result.stderr == f"dot: error: package directory {missing} does not exist\n"
    assert list(env.home.iterdir()) == []


def test_exit_5_unmanage_of_an_existing_package_that_is_not_installed(env):
    env.vim()
    env.package("zsh", {"dot-zshrc": "z\n"})
    assert env.dot("manage", "zsh").exit_code == 0
    before = env.state()

    result = env.dot("unmanage", "vim")

    assert result.exit_code == 5
    assert result.stdout == ""
    assert result.stderr == f"dot: error: not installed in {env.real_home}: vim\n"
    assert env.state() == before


def test_exit_5_unmanage_stops_when_one_of_the_packages_is_not_installed(env):
    env.vim()
    env.package("zsh", {"dot-zshrc": "z\n"})
    assert env.dot("manage", "zsh").exit_code == 0
    before = env.state()

    result = env.dot("unmanage", "zsh", "vim")

    assert result.exit_code == 5
    assert result.stderr == f"dot: error: not installed in {env.real_home}: vim\n"
    assert env.state() == before


# --- 130 and unexpected errors ---------------------------------------------------------


def test_exit_130_on_keyboard_interrupt(env, monkeypatch):
    env.vim()

    def interrupted(self, packages):
        raise KeyboardInterrupt

    monkeypatch.setattr(Dot, "manage", interrupted)

    result = env.dot("manage", "vim")

    assert result.exit_code == 130
    # click ends the interrupted line first (the terminal shows ^C there).
    assert result.stderr == "\ndot: error: interrupted\n"


def test_unexpected_exception_is_one_line_and_exit_1(env, monkeypatch):
    env.vim()

    def broken(self, packages):
        raise RuntimeError("boom")

    monkeypatch.setattr(Dot, "manage", broken)

    result = env.dot("manage", "vim")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "dot: error: internal error: RuntimeError: boom (run with --debug for details)\n"
    )


@pytest.mark.parametrize("flag", ["--debug", "-vvv"])
def test_debug_flags_add_the_traceback(env, monkeypatch, flag):
    env.vim()

    def broken(self, packages):
        raise RuntimeError("boom")

    monkeypatch.setattr(Dot, "manage", broken)

    result = env.run("manage", "vim", flag, traceback=True)

    assert result.exit_code == 1
    first, rest = result.stderr.split("\n", 1)
    assert first == "dot: error: internal error: RuntimeError: boom (run with --debug for details)"
    assert rest.startswith("Traceback (most recent call last):\n")
    assert rest.endswith("RuntimeError: boom\n")


def test_debug_shows_the_traceback_of_a_dot_error(env):
    env.vim()
    env.manifest.write_text("not json")

    result = env.run("manage", "vim", "--debug", traceback=True)

    assert result.exit_code == 1
    assert result.stderr.startswith(f"dot: error: manifest {env.real_home}/.dot-manifest.json")
    assert "Traceback (most recent call last):" in result.stderr


def test_no_command_shows_help_or_with_json_one_error_document(env, monkeypatch):
    plain = env.run()
    assert plain.exit_code == 2
    assert plain.stdout.startswith("Usage: dot [OPTIONS] COMMAND [ARGS]...")

    monkeypatch.setenv("DOT_FORMAT", "json")
    scripted = env.run()

    assert scripted.exit_code == 2
    assert json.loads(scripted.stdout) == {
        "error": {"message": "Missing command. (see 'dot --help')", "exit_code": 2}
    }
    assert one_error_line(scripted.stderr) == "Missing command. (see 'dot --help')"
