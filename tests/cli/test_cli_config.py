"""Configuration end to end: config.toml, DOT_* variables, .stowrc, and their precedence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dot.cli import boundary
from dot.cli.options import Globals
from dot.cli.session import Session

VIM_LINKS = {".vim": "../dotfiles/vim/dot-vim", ".vimrc": "../dotfiles/vim/dot-vimrc"}
DRY_VIM = (
    "link    .vim -> ../dotfiles/vim/dot-vim\n"
    "link    .vimrc -> ../dotfiles/vim/dot-vimrc\n"
    "dry run: manage vim: would run 2 operations (link 2); nothing was changed\n"
)


def config_file(env, text: str) -> Path:
    """Write $XDG_CONFIG_HOME/dot/config.toml."""
    path = env.root / "xdg" / "dot" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def elsewhere(env, monkeypatch) -> Path:
    """Move the cwd to a directory unrelated to the package dir and the target."""
    path = env.root / "elsewhere"
    path.mkdir(exist_ok=True)
    monkeypatch.chdir(path)
    return path


# --- where the package dir and the target come from -------------------------------


def test_dir_and_target_come_from_the_config_file(env, monkeypatch):
    env.vim()
    config_file(env, f'dir = "{env.dir}"\ntarget = "{env.home}"\n')
    cwd = elsewhere(env, monkeypatch)

    result = env.run("manage", "vim")

    assert result.exit_code == 0, result.stderr
    assert env.links(env.home) == VIM_LINKS
    assert list(cwd.iterdir()) == []


def test_relative_paths_in_the_config_file_are_relative_to_the_file(env, monkeypatch):
    env.vim()
    config_file(env, 'dir = "../../dotfiles"\ntarget = "~"\n')
    elsewhere(env, monkeypatch)

    result = env.run("manage", "vim")

    assert result.exit_code == 0, result.stderr
    assert env.links(env.home) == VIM_LINKS


def test_variables_and_tilde_expand_in_the_config_file_and_the_environment(env, monkeypatch):
    env.vim()
    (env.home / "t").mkdir()
    monkeypatch.setenv("DEST", str(env.home))
    config_file(env, 'target = "${DEST}/t"\n')
    monkeypatch.setenv("DOT_DIR", "~/../dotfiles")
    elsewhere(env, monkeypatch)

    result = env.run("manage", "vim")

    assert result.exit_code == 0, result.stderr
    assert env.links(env.home / "t") == {
        ".vim": "../../dotfiles/vim/dot-vim",
        ".vimrc": "../../dotfiles/vim/dot-vimrc",
    }


def test_relative_environment_paths_are_relative_to_the_cwd(env, monkeypatch):
    env.vim()
    monkeypatch.chdir(env.root)
    monkeypatch.setenv("DOT_DIR", "dotfiles")
    monkeypatch.setenv("DOT_TARGET", "home")

    result = env.run("manage", "vim")

    assert result.exit_code == 0, result.stderr
    assert env.links(env.home) == VIM_LINKS


def test_an_empty_variable_counts_as_unset(env, monkeypatch):
    env.vim()
    monkeypatch.setenv("DOT_TARGET", "")
    monkeypatch.setenv("DOT_DRY_RUN", "")

    result = env.run("manage", "vim")

    assert result.exit_code == 0, result.stderr
    assert env.links(env.home) == VIM_LINKS


# --- precedence: flag > environment > config file > .stowrc -----------------------


@pytest.mark.parametrize(
    ("sources", "winner"),
    [
        ((), "home"),
        (("stowrc",), "rc"),
        (("stowrc", "file"), "file"),
        (("stowrc", "file", "env"), "env"),
        (("stowrc", "file", "env", "flag"), "flag"),
        (("file", "flag"), "flag"),
        (("stowrc", "env"), "env"),
    ],
    ids=lambda v: "+".join(v) if isinstance(v, tuple) else v,
)
def test_target_precedence(env, monkeypatch, sources, winner):
    env.vim()
    targets = {name: env.home / name for name in ("rc", "file", "env", "flag")}
    for path in targets.values():
        path.mkdir()
    targets["home"] = env.home
    if "stowrc" in sources:
        (env.dir / ".stowrc").write_text(f"--target={targets['rc']}\n")
    if "file" in sources:
        config_file(env, f'target = "{targets["file"]}"\n')
    if "env" in sources:
        monkeypatch.setenv("DOT_TARGET", str(targets["env"]))
    flags = ["-t", str(targets["flag"])] if "flag" in sources else []

    result = env.run("manage", "vim", *flags)

    assert result.exit_code == 0, result.stderr
    for name, path in targets.items():
        found = {k for k in env.links(path) if "/" not in k}
        assert found == (set(VIM_LINKS) if name == winner else set()), name


def test_dry_run_precedence(env, monkeypatch):
    env.vim()
    config_file(env, "dry_run = true\n")
    before = env.state()

    assert env.run("manage", "vim").stdout == DRY_VIM
    assert env.state() == before

    monkeypatch.setenv("DOT_DRY_RUN", "no")
    assert env.run("manage", "vim", "-n").stdout == DRY_VIM
    assert env.state() == before

    result = env.run("manage", "vim")
    assert result.exit_code == 0
    assert env.links(env.home) == VIM_LINKS


def test_format_json_from_the_environment(env, monkeypatch):
    env.vim()
    monkeypatch.setenv("DOT_FORMAT", "json")

    result = env.run("manage", "vim")

    assert result.exit_code == 0
    assert result.stderr == ""
    assert json.loads(result.stdout)["command"] == "manage"


def test_format_flag_beats_the_config_file(env):
    env.vim()
    config_file(env, 'format = "json"\ndry_run = true\n')

    assert json.loads(env.run("manage", "vim").stdout)["dry_run"] is True
    assert env.run("manage", "vim", "--format", "text").stdout == DRY_VIM


def test_verbose_and_quiet_from_configuration(env, monkeypatch):
    env.vim()
    config_file(env, "verbose = 1\n")

    result = env.run("manage", "vim")
    assert result.stdout.startswith("link    .vim -> ../dotfiles/vim/dot-vim\n")

    env.run("unmanage", "vim")
    monkeypatch.setenv("DOT_QUIET", "1")
    result = env.run("manage", "vim")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_color_always_from_the_environment_beats_no_color(env, monkeypatch):
    env.vim()
    monkeypatch.setenv("DOT_COLOR", "always")

    assert "\x1b[" in env.run("-n", "manage", "vim").stdout


def test_debug_and_options_from_configuration_reach_the_session(env, monkeypatch):
    monkeypatch.setenv("DOT_DEBUG", "1")
    config_file(env, 'on_conflict = "skip"\njobs = 3\n')

    session = Session(Globals(jobs=2))

    assert session.options.debug is True
    assert session.options.on_conflict == "skip"
    assert session.options.jobs == 2
    assert session.flags == Globals(jobs=2)
    env.run("version")
    assert boundary.Current.debug is True


# --- lists ----------------------------------------------------------------------


def test_ignore_and_override_add_up_across_every_source(env, monkeypatch):
    env.package("notes", {f"{name}.txt": name for name in "abcdef"})
    (env.dir / ".stowrc").write_text("--ignore=a\\.txt\n")
    config_file(env, 'ignore = ["b.txt", "e.txt"]\n')
    monkeypatch.setenv("DOT_IGNORE", "c.txt")

    result = env.run("manage", "notes", "--ignore", "d.txt", "--override", "e.txt")

    assert result.exit_code == 0, result.stderr
    assert env.links(env.home) == {
        "e.txt": "../dotfiles/notes/e.txt",
        "f.txt": "../dotfiles/notes/f.txt",
    }


def test_environment_lists_are_colon_separated(env, monkeypatch):
    env.package("notes", {f"{name}.txt": name for name in "abc"})
    monkeypatch.setenv("DOT_IGNORE", "a.txt:c.txt")

    result = env.run("manage", "notes")

    assert result.exit_code == 0, result.stderr
    assert env.links(env.home) == {"b.txt": "../dotfiles/notes/b.txt"}


def test_no_fold_replaces_the_default_and_the_environment_replaces_the_file(env, monkeypatch):
    env.vim()
    env.package("cfg", {"dot-config/app/x": ""})
    config_file(env, 'no_fold = [".vim"]\n')
    monkeypatch.setenv("DOT_NO_FOLD", ".config")

    result = env.run("manage", "vim", "cfg")

    assert result.exit_code == 0, result.stderr
    assert env.links(env.home) == {
        **VIM_LINKS,
        ".config/app": "../../dotfiles/cfg/dot-config/app",
    }


def test_an_empty_no_fold_list_lets_config_fold(env):
    env.package("cfg", {"dot-config/app/x": ""})
    config_file(env, "no_fold = []\n")

    result = env.run("manage", "cfg")

    assert result.exit_code == 0, result.stderr
    assert env.links(env.home) == {".config": "../dotfiles/cfg/dot-config"}


def test_global_ignore_file_from_the_config_file(env):
    env.vim()
    config_file(env, 'global_ignore = "my-ignore"\n')
    (env.root / "xdg" / "dot" / "my-ignore").write_text("dot-vimrc\n")

    result = env.run("manage", "vim")

    assert result.exit_code == 0, result.stderr
    assert env.links(env.home) == {".vim": "../dotfiles/vim/dot-vim"}


# --- .stowrc --------------------------------------------------------------------


def test_stowrc_target_no_folding_and_a_warning_for_what_dot_ignores(env):
    env.vim()
    (env.home / "t").mkdir()
    rc = env.dir / ".stowrc"
    rc.write_text("--target=~/t\n--no-folding --dotfiles\n--adopt\n")

    result = env.run("manage", "vim")

    assert result.exit_code == 0
    assert (
        result.stderr == f"dot: warning: {rc}: ignoring Stow option '--adopt' (not used by dot)\n"
    )
    assert env.links(env.home / "t") == {
        ".vim/colors/x.vim": "../../../../dotfiles/vim/dot-vim/colors/x.vim",
        ".vimrc": "../../dotfiles/vim/dot-vimrc",
    }


def test_the_cwd_stowrc_wins_over_the_home_one(env):
    env.vim()
    for name in ("a", "b"):
        (env.home / name).mkdir()
    (env.home / ".stowrc").write_text("-t ~/a -d /nowhere\n")
    (env.dir / ".stowrc").write_text(f"-t ~/b -d {env.dir}\n")

    result = env.run("manage", "vim")

    assert result.exit_code == 0, result.stderr
    assert env.links(env.home / "a") == {}
    assert set(env.links(env.home / "b")) == set(VIM_LINKS)


# --- errors ---------------------------------------------------------------------

CONF = "{root}/xdg/dot/config.toml"


@pytest.mark.parametrize(
    ("config", "variables", "message"),
    [
        (
            "dryrun = true\n",
            {},
            f"config file {CONF}: unknown key 'dryrun' (did you mean 'dry_run'?)",
        ),
        ('jobs = "4"\n', {}, f"""config file {CONF}: 'jobs' must be an integer >= 1 (got "4")"""),
        (
            'on_conflict = "merge"\n',
            {},
            f"config file {CONF}: 'on_conflict' must be one of 'fail', 'skip', 'backup', "
            """'overwrite', 'adopt' (got "merge")""",
        ),
        (
            "ignore = [\n",
            {},
            f"config file {CONF} is not valid TOML: Invalid value (at end of document)",
        ),
        (
            'target = "$NOT_SET/x"\n',
            {},
            f"config file {CONF}: 'target' uses the undefined environment variable $NOT_SET",
        ),
        (
            'no_fold = ["/etc"]\n',
            {},
            f"config file {CONF}: 'no_fold': '/etc' is not a path relative to the target "
            "(like '.config')",
        ),
        (
            None,
            {"DOT_CONFIG": "{root}/missing.toml"},
            "DOT_CONFIG names {root}/missing.toml, which does not exist",
        ),
        (
            None,
            {"DOT_DRY_RUN": "si"},
            "DOT_DRY_RUN must be a boolean (1/0, true/false, yes/no, on/off) (got 'si')",
        ),
        (None, {"DOT_VERBOSE": "lots"}, "DOT_VERBOSE must be an integer >= 0 (got 'lots')"),
        (
            None,
            {"DOT_COLOR": "yes"},
            "DOT_COLOR must be one of 'auto', 'always', 'never' (got 'yes')",
        ),
        (
            None,
            {"DOT_MANIFEST": "$NOT_SET/m.json"},
            "DOT_MANIFEST uses the undefined environment variable $NOT_SET",
        ),
    ],
    ids=[
        "unknown-key",
        "wrong-type",
        "bad-choice",
        "syntax",
        "undefined-variable",
        "bad-no-fold",
        "missing-dot-config",
        "bad-boolean",
        "bad-integer",
        "bad-env-choice",
        "undefined-variable-in-env",
    ],
)
def test_configuration_errors_are_one_line_and_exit_1(env, monkeypatch, config, variables, message):
    env.vim()
    monkeypatch.delenv("NOT_SET", raising=False)
    if config is not None:
        config_file(env, config)
    for name, value in variables.items():
        monkeypatch.setenv(name, value.format(root=env.root))
    before = env.state()

    result = env.run("manage", "vim")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"dot: error: {message.format(root=env.root)}\n"
    assert env.state() == before


def test_syntax_errors_give_line_and_column(env):
    env.vim()
    path = config_file(env, 'verbose = 1\ntarget = "~\n')

    result = env.run("manage", "vim")

    assert result.exit_code == 1
    assert result.stderr == (
        f"dot: error: config file {path} is not valid TOML: "
        "Illegal character '\\n' (at line 2, column 12)\n"
    )


@pytest.mark.parametrize(
    ("rc", "message"),
    [
        ("--no-folding --target", "option '--target' needs a value"),
        (
            "--ignore=(",
            "'--ignore': bad regular expression '(': missing ), unterminated subpattern",
        ),
        ("-d $NOT_SET", "'-d' uses the undefined environment variable $NOT_SET"),
    ],
)
def test_stowrc_errors_are_one_line_naming_the_file(env, monkeypatch, rc, message):
    env.vim()
    monkeypatch.delenv("NOT_SET", raising=False)
    (env.home / ".stowrc").write_text(rc)

    result = env.run("manage", "vim")

    assert result.exit_code == 1
    assert result.stderr.startswith(f"dot: error: {env.home}/.stowrc: {message}")
    assert result.stderr.count("\n") == 1


def test_undefined_variable_in_a_flag_is_a_usage_error(env, monkeypatch):
    env.vim()
    monkeypatch.delenv("NOT_SET", raising=False)

    result = env.run("manage", "vim", "--dir", "$NOT_SET/dots")

    assert result.exit_code == 2
    assert result.stderr == "dot: error: --dir uses the undefined environment variable $NOT_SET\n"


def test_configuration_error_as_a_json_document(env):
    env.vim()
    config_file(env, "jobs = 0\n")

    result = env.run("--format", "json", "manage", "vim")

    assert result.exit_code == 1
    message = f"config file {env.root}/xdg/dot/config.toml: 'jobs' must be an integer >= 1 (got 0)"
    assert json.loads(result.stdout) == {"error": {"message": message, "exit_code": 1}}
    assert result.stderr == f"dot: error: {message}\n"


def test_a_broken_configuration_does_not_stop_version(env, monkeypatch):
    config_file(env, "nonsense = 1\n")
    monkeypatch.setenv("DOT_JOBS", "x")

    result = env.run("version")

    assert result.exit_code == 0
    assert result.stdout.startswith("dot ")


def test_a_broken_config_file_still_honours_dot_format_json(env, monkeypatch):
    env.vim()
    path = config_file(env, "nonsense = 1\n")
    monkeypatch.setenv("DOT_FORMAT", "json")

    result = env.run("manage", "vim")

    assert result.exit_code == 1
    message = f"config file {path}: unknown key 'nonsense'"
    assert json.loads(result.stdout) == {"error": {"message": message, "exit_code": 1}}
