"""dot.config: parsing and merging of config.toml, DOT_* variables and .stowrc."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from dot import config
from dot.config import (
    KEYS,
    Layer,
    World,
    expand,
    from_environ,
    from_flags,
    from_toml,
    load,
    merge,
    parse_stowrc,
    read_config,
    read_stowrcs,
)
from dot.errors import ConfigError, UsageError
from dot.ignore import RuleBuilder
from dot.model import Policy
from dot.pipeline.planner import DEFAULT_NO_FOLD

HOME = "/home/ann"
CWD = "/work/here"
CONF = "/etc/xdg/dot/config.toml"


def world(**environ: str) -> World:
    return World({"HOME": HOME, **environ}, CWD)


def toml(text: str, path: str = CONF, **environ: str) -> dict[str, Any]:
    import tomllib

    return dict(from_toml(tomllib.loads(text), path, world(**environ)).values)


def environ(**variables: str) -> dict[str, Any]:
    return dict(from_environ(world(**variables)).values)


def stowrc(text: str, **environ: str) -> tuple[dict[str, Any], list[str]]:
    layer, warnings = parse_stowrc(text, "/home/ann/.stowrc", world(**environ))
    return dict(layer.values), warnings


# --- the key table ---------------------------------------------------------------


def test_every_global_option_is_a_key_plus_no_fold_and_global_ignore():
    from dot.cli.options import NAMES

    assert set(KEYS) == set(NAMES) | {"no_fold", "global_ignore"}


def test_choices_are_the_cli_choices():
    from dot.cli.options import COLORS, FORMATS

    assert config.FORMATS == FORMATS
    assert config.COLORS == COLORS
    assert KEYS["on_conflict"].choices == tuple(p.value for p in Policy)


def test_variables_are_dot_and_the_key_in_upper_case():
    assert KEYS["package_name_mapping"].variable == "DOT_PACKAGE_NAME_MAPPING"
    assert KEYS["no_fold"].variable == "DOT_NO_FOLD"


# --- defaults and the config file location ---------------------------------------


def test_defaults_without_any_source():
    settings = merge([], world())

    assert settings.dir == CWD
    assert settings.target == HOME
    assert settings.global_ignore == "/home/ann/.config/dot/ignore"
    assert settings.no_fold == DEFAULT_NO_FOLD
    assert settings.on_conflict is Policy.FAIL
    assert (settings.dry_run, settings.verbose, settings.format, settings.color) == (
        False,
        0,
        "text",
        "auto",
    )
    assert (settings.folding, settings.dotfiles, settings.jobs) == (True, True, None)
    assert settings.ignore == settings.override == settings.stow_ignore == ()


def test_global_ignore_follows_xdg_config_home():
    assert merge([], world(XDG_CONFIG_HOME="/x")).global_ignore == "/x/dot/ignore"


def test_config_path_is_xdg_then_home_config():
    assert config.config_path(world(XDG_CONFIG_HOME="/x")) == ("/x/dot/config.toml", False)
    assert config.config_path(world()) == ("/home/ann/.config/dot/config.toml", False)


def test_relative_xdg_config_home_is_ignored_as_the_spec_says():
    assert config.config_path(world(XDG_CONFIG_HOME="rel")) == (
        "/home/ann/.config/dot/config.toml",
        False,
    )


def test_dot_config_wins_and_is_expanded_against_the_cwd():
    assert config.config_path(world(DOT_CONFIG="my.toml")) == ("/work/here/my.toml", True)
    assert config.config_path(world(DOT_CONFIG="~/c.toml")) == ("/home/ann/c.toml", True)
    assert config.config_path(world(DOT_CONFIG="", XDG_CONFIG_HOME="/x"))[1] is False


# --- config.toml -----------------------------------------------------------------


def test_every_key_in_a_config_file():
    values = toml(
        """
        dir = "dotfiles"
        target = "/t"
        dry_run = true
        verbose = 2
        quiet = false
        color = "never"
        format = "json"
        absolute = true
        folding = false
        dotfiles = false
        package_name_mapping = true
        ignore = ["*.bak", "notes/"]
        override = ["keep.bak"]
        on_conflict = "backup"
        backup_dir = "~/backups"
        manifest = "$HOME/m.json"
        jobs = 4
        wait = true
        debug = true
        no_fold = [".config/", "./.local/share", ".vim"]
        global_ignore = "ignore"
        """
    )

    assert values == {
        "dir": "/etc/xdg/dot/dotfiles",
        "target": "/t",
        "dry_run": True,
        "verbose": 2,
        "quiet": False,
        "color": "never",
        "format": "json",
        "absolute": True,
        "folding": False,
        "dotfiles": False,
        "package_name_mapping": True,
        "ignore": ("*.bak", "notes/"),
        "override": ("keep.bak",),
        "on_conflict": "backup",
        "backup_dir": "/home/ann/backups",
        "manifest": "/home/ann/m.json",
        "jobs": 4,
        "wait": True,
        "debug": True,
        "no_fold": frozenset({".config", ".local/share", ".vim"}),
        "global_ignore": "/etc/xdg/dot/ignore",
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("dry_run = 1", "'dry_run' must be a boolean (got 1)"),
        ('dry_run = "yes"', """'dry_run' must be a boolean (got "yes")"""),
        ("verbose = -1", "'verbose' must be an integer >= 0 (got -1)"),
        ("verbose = true", "'verbose' must be an integer >= 0 (got true)"),
        ("jobs = 0", "'jobs' must be an integer >= 1 (got 0)"),
        ("jobs = 1.5", "'jobs' must be an integer >= 1 (got 1.5)"),
        (
            'color = "sometimes"',
            """'color' must be one of 'auto', 'always', 'never' (got "sometimes")""",
        ),
        (
            'on_conflict = "delete"',
            "'on_conflict' must be one of 'fail', 'skip', 'backup', 'overwrite', 'adopt'"
            ' (got "delete")',
        ),
        ('ignore = "*.bak"', """'ignore' must be a list of strings (got "*.bak")"""),
        ("override = [1]", "'override' must be a list of strings (got [1])"),
        ('dir = ""', """'dir' must be a non-empty string (a path) (got "")"""),
        ("target = 3", "'target' must be a non-empty string (a path) (got 3)"),
        ("[dir]\nx = 1", """'dir' must be a non-empty string (a path) (got {"x": 1})"""),
        ('dir = "$NOPE/x"', "'dir' uses the undefined environment variable $NOPE"),
        ('no_fold = ["/abs"]', "'no_fold': '/abs' is not a path relative to the target"),
        ('no_fold = ["../up"]', "'no_fold': '../up' is not a path relative to the target"),
        ('no_fold = [""]', "'no_fold': '' is not a path relative to the target"),
    ],
)
def test_bad_values_name_the_file_the_key_and_what_was_expected(text, message):
    with pytest.raises(ConfigError) as caught:
        toml(text)

    assert str(caught.value).startswith(f"config file {CONF}: {message}")
    assert "\n" not in str(caught.value)


def test_unknown_key_suggests_the_nearest_one():
    with pytest.raises(ConfigError, match=r"unknown key 'dry-run' \(did you mean 'dry_run'\?\)"):
        toml("dry-run = true")
    with pytest.raises(ConfigError) as caught:
        toml("colour_scheme = 1")
    assert str(caught.value) == f"config file {CONF}: unknown key 'colour_scheme'"


def test_empty_no_fold_list_turns_the_default_off():
    assert toml("no_fold = []")["no_fold"] == frozenset()


def test_missing_default_config_file_is_fine(tmp_path: Path):
    assert read_config(str(tmp_path / "none.toml"), world()) is None


def test_missing_named_config_file_is_an_error(tmp_path: Path):
    path = tmp_path / "none.toml"
    with pytest.raises(ConfigError, match=f"^DOT_CONFIG names {path}, which does not exist$"):
        read_config(str(path), world(), required=True)


def test_syntax_error_gives_file_line_and_column(tmp_path: Path):
    path = tmp_path / "config.toml"
    path.write_text('verbose = 1\ndir = "unterminated\n')

    with pytest.raises(ConfigError) as caught:
        read_config(str(path), world())

    assert str(caught.value) == (
        f"config file {path} is not valid TOML: Illegal character '\\n' (at line 2, column 20)"
    )


def test_config_file_that_is_a_directory_or_not_utf8(tmp_path: Path):
    with pytest.raises(ConfigError, match="is a directory"):
        read_config(str(tmp_path), world())
    path = tmp_path / "config.toml"
    path.write_bytes(b'dir = "\xff"\n')
    with pytest.raises(ConfigError, match="is not valid UTF-8"):
        read_config(str(path), world())


def test_config_file_below_a_file_is_missing(tmp_path: Path):
    (tmp_path / "dot").write_text("")
    path = str(tmp_path / "dot" / "config.toml")

    assert read_config(path, world()) is None
    with pytest.raises(ConfigError, match="which does not exist"):
        read_config(path, world(), required=True)


def test_read_config_is_a_file_layer_relative_to_its_directory(tmp_path: Path):
    path = tmp_path / "sub" / "config.toml"
    path.parent.mkdir()
    path.write_text('dir = "../dots"\n')

    layer = read_config(str(path), world())

    assert layer == Layer(str(path), {"dir": str(tmp_path / "dots")}, file=True)


# --- environment -----------------------------------------------------------------


@pytest.mark.parametrize("text", ["1", "true", "TRUE", "yes", "Yes", "on", " on "])
def test_true_spellings(text):
    assert environ(DOT_DRY_RUN=text) == {"dry_run": True}


@pytest.mark.parametrize("text", ["0", "false", "False", "no", "NO", "off"])
def test_false_spellings(text):
    assert environ(DOT_FOLDING=text) == {"folding": False}


def test_every_variable():
    values = environ(
        DOT_DIR="d",
        DOT_TARGET="~",
        DOT_DRY_RUN="1",
        DOT_VERBOSE="3",
        DOT_QUIET="yes",
        DOT_COLOR="always",
        DOT_FORMAT="table",
        DOT_ABSOLUTE="on",
        DOT_FOLDING="off",
        DOT_DOTFILES="false",
        DOT_PACKAGE_NAME_MAPPING="true",
        DOT_IGNORE="*.bak:notes/",
        DOT_OVERRIDE="keep.bak",
        DOT_ON_CONFLICT="skip",
        DOT_BACKUP_DIR="${HOME}/b",
        DOT_MANIFEST="/m.json",
        DOT_JOBS="8",
        DOT_WAIT="1",
        DOT_DEBUG="1",
        DOT_NO_FOLD=".config:.ssh/",
        DOT_GLOBAL_IGNORE="ign",
    )

    assert values == {
        "dir": "/work/here/d",
        "target": HOME,
        "dry_run": True,
        "verbose": 3,
        "quiet": True,
        "color": "always",
        "format": "table",
        "absolute": True,
        "folding": False,
        "dotfiles": False,
        "package_name_mapping": True,
        "ignore": ("*.bak", "notes/"),
        "override": ("keep.bak",),
        "on_conflict": "skip",
        "backup_dir": "/home/ann/b",
        "manifest": "/m.json",
        "jobs": 8,
        "wait": True,
        "debug": True,
        "no_fold": frozenset({".config", ".ssh"}),
        "global_ignore": "/work/here/ign",
    }


def test_empty_variables_count_as_unset_and_dot_config_is_not_a_key():
    assert environ(DOT_DIR="", DOT_JOBS="", DOT_IGNORE="", DOT_CONFIG="/c.toml") == {}


def test_empty_list_items_are_dropped():
    assert environ(DOT_IGNORE=":a::b:") == {"ignore": ("a", "b")}


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "DOT_DRY_RUN",
            "maybe",
            "DOT_DRY_RUN must be a boolean (1/0, true/false, yes/no, on/off) (got 'maybe')",
        ),
        ("DOT_VERBOSE", "-1", "DOT_VERBOSE must be an integer >= 0 (got '-1')"),
        ("DOT_JOBS", "0", "DOT_JOBS must be an integer >= 1 (got '0')"),
        ("DOT_JOBS", "four", "DOT_JOBS must be an integer >= 1 (got 'four')"),
        (
            "DOT_FORMAT",
            "JSON",
            "DOT_FORMAT must be one of 'text', 'table', 'json' (got 'JSON')",
        ),
        ("DOT_TARGET", "$NOPE", "DOT_TARGET uses the undefined environment variable $NOPE"),
        ("DOT_NO_FOLD", "/abs", "DOT_NO_FOLD: '/abs' is not a path relative to the target"),
    ],
)
def test_bad_variables_are_named(name, text, message):
    with pytest.raises(ConfigError) as caught:
        environ(**{name: text})

    assert str(caught.value).startswith(message)


# --- path expansion --------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("~", HOME),
        ("~/", HOME),
        ("~/x", "/home/ann/x"),
        ("$HOME/x", "/home/ann/x"),
        ("${HOME}/x", "/home/ann/x"),
        ("$A$B", "/work/here/ab"),
        ("${EMPTY}x", "/work/here/x"),
        ("\\$HOME", "/work/here/$HOME"),
        ("a/$", "/work/here/a/$"),
        ("a/../b", "/work/here/b"),
        ("/abs/./p/", "/abs/p"),
        ("x~", "/work/here/x~"),
        ("\\~", "/work/here/~"),
    ],
)
def test_expand(value, expected):
    assert expand(value, CWD, "S", world(A="a", B="b", EMPTY="")) == expected


def test_expand_of_a_variable_starting_with_tilde_expands_the_tilde_as_stow_does():
    assert expand("$T/x", CWD, "S", world(T="~")) == "/home/ann/x"


def test_expand_tilde_user():
    import pwd

    root = pwd.getpwuid(0)
    assert expand(f"~{root.pw_name}/x", CWD, "S", world()) == os.path.join(root.pw_dir, "x")
    with pytest.raises(ConfigError, match=r"^S: unknown user in '~no-such-user-here/x'$"):
        expand("~no-such-user-here/x", CWD, "S", world())


@pytest.mark.parametrize("value", ["${1X}", "${unterminated", "${}", "${A B}"])
def test_expand_rejects_bad_references(value):
    with pytest.raises(ConfigError, match=r"^S: bad variable reference"):
        expand(value, CWD, "S", world())


def test_expand_raises_the_error_class_it_is_given():
    with pytest.raises(UsageError, match=r"^--dir uses the undefined environment variable \$X$"):
        from_flags({"dir": "$X"}, world())


# --- flags and merging -----------------------------------------------------------


def test_flags_are_expanded_against_the_cwd_and_unknown_names_skipped():
    layer = from_flags(
        {"dir": "d", "ignore": ["a"], "jobs": 2, "target": None, "not_a_key": "x"}, world()
    )
    assert dict(layer.values) == {"dir": "/work/here/d", "ignore": ("a",), "jobs": 2}


def layers(*pairs: tuple[str, dict[str, Any]]) -> list[Layer]:
    return [Layer(source, values) for source, values in pairs]


def test_scalars_take_the_highest_source_that_sets_them():
    settings = merge(
        layers(
            (".stowrc", {"target": "/rc", "dir": "/rc-dir", "folding": False}),
            ("file", {"target": "/file", "dir": "/file-dir", "jobs": 2}),
            ("environment", {"target": "/env", "jobs": 3}),
            ("command line", {"target": "/flag"}),
        ),
        world(),
    )

    assert (settings.target, settings.dir, settings.jobs, settings.folding) == (
        "/flag",
        "/file-dir",
        3,
        False,
    )


def test_ignore_and_override_add_up_lowest_source_first():
    settings = merge(
        layers(
            ("file", {"ignore": ("a", "b"), "override": ("x",)}),
            ("environment", {"ignore": ("c",)}),
            ("command line", {"ignore": ("d",), "override": ("y",)}),
        ),
        world(),
    )

    assert settings.ignore == ("a", "b", "c", "d")
    assert settings.override == ("x", "y")


def test_no_fold_is_replaced_not_added():
    settings = merge(
        layers(
            ("file", {"no_fold": frozenset({".a"})}),
            ("environment", {"no_fold": frozenset({".b"})}),
        ),
        world(),
    )

    assert settings.no_fold == frozenset({".b"})


def test_on_conflict_becomes_a_policy_and_files_are_listed():
    settings = merge(
        [Layer("/c.toml", {"on_conflict": "adopt"}, file=True), Layer("environment", {})],
        world(),
        ["w"],
    )

    assert settings.on_conflict is Policy.ADOPT
    assert settings.files == ("/c.toml",)
    assert settings.warnings == ("w",)


def test_load_reads_every_source_in_order(tmp_path: Path):
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    home.mkdir()
    cwd.mkdir()
    (home / ".stowrc").write_text("--target=/rc --ignore=\\.orig\n")
    conf = tmp_path / "c.toml"
    conf.write_text('target = "/file"\nignore = ["from-file"]\njobs = 2\n')
    variables = {
        "HOME": str(home),
        "DOT_CONFIG": str(conf),
        "DOT_JOBS": "5",
        "DOT_IGNORE": "from-env",
    }

    settings = load({"ignore": ("from-flag",), "dry_run": True}, variables, str(cwd))

    assert settings.target == "/file"
    assert settings.jobs == 5
    assert settings.dry_run is True
    assert settings.ignore == ("from-file", "from-env", "from-flag")
    assert settings.stow_ignore == ("\\.orig",)
    assert settings.dir == str(cwd)
    assert settings.files == (str(home / ".stowrc"), str(conf))


# --- .stowrc ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "--dir=/d --target=/t",
        "--dir /d --target /t",
        "-d /d -t /t",
        "-d/d -t/t",
        "--di=/d\n--targ /t",
        "  --dir=/x\n\t--dir=/d   --target=/t  ",
    ],
)
def test_stowrc_dir_and_target_spellings(text):
    assert stowrc(text) == ({"dir": "/d", "target": "/t"}, [])


def test_stowrc_expands_tilde_and_variables_relative_to_the_cwd():
    values, _ = stowrc("--dir=~/dotfiles --target=$T/x -t ${T}/y --dir=rel", T="/tt")
    assert values == {"dir": "/work/here/rel", "target": "/tt/y"}
    assert stowrc("-d ~/dots")[0] == {"dir": "/home/ann/dots"}


def test_stowrc_undefined_variable_is_an_error_naming_the_file():
    with pytest.raises(ConfigError) as caught:
        stowrc("--target=$NOPE/x")
    assert str(caught.value) == (
        "/home/ann/.stowrc: '--target' uses the undefined environment variable $NOPE"
    )


def test_stowrc_honoured_switches_and_ignores():
    values, warnings = stowrc("--no-folding --dotfiles --ignore=\\.md --ignore ^notes")
    assert values == {"folding": False, "dotfiles": True, "stow_ignore": ("\\.md", "^notes")}
    assert warnings == []


def test_stowrc_other_options_are_ignored_with_one_warning_each():
    text = "--adopt --verbose=2 -nv --override=x --defer y --simulate --restow -D -q --bogus=1"
    values, warnings = stowrc(text)

    rc = "/home/ann/.stowrc"
    assert values == {}
    assert warnings == [
        f"{rc}: ignoring Stow option '--adopt' (not used by dot)",
        f"{rc}: ignoring Stow option '--verbose' (not used by dot)",
        f"{rc}: ignoring Stow option '-n' (not used by dot)",
        f"{rc}: ignoring Stow option '-v' (not used by dot)",
        f"{rc}: ignoring Stow option '--override' (not used by dot)",
        f"{rc}: ignoring Stow option '--defer' (not used by dot)",
        f"{rc}: ignoring Stow option '--simulate' (not used by dot)",
        f"{rc}: ignoring Stow option '--restow' (not used by dot)",
        f"{rc}: ignoring Stow option '-D' (not used by dot)",
        f"{rc}: ignoring unknown option '-q'",
        f"{rc}: ignoring unknown option '--bogus'",
    ]


def test_stowrc_ambiguous_abbreviation_and_flag_with_value_are_warnings():
    values, warnings = stowrc("--d=/x --dotfiles=1 -v3t/t")
    assert values == {"target": "/t"}
    assert warnings == [
        "/home/ann/.stowrc: ignoring ambiguous option '--d'",
        "/home/ann/.stowrc: ignoring '--dotfiles=1': the option takes no value",
        "/home/ann/.stowrc: ignoring Stow option '-v' (not used by dot)",
    ]


def test_stowrc_package_names_are_ignored_with_one_warning():
    values, warnings = stowrc("vim -t /t zsh -- -d")
    assert values == {"target": "/t"}
    assert warnings == [
        "/home/ann/.stowrc: ignoring package names (dot reads only options there): vim zsh -d"
    ]


@pytest.mark.parametrize("text", ["--target", "-d", "--ignore"])
def test_stowrc_option_without_its_value_is_an_error(text):
    with pytest.raises(ConfigError) as caught:
        stowrc(f"--no-folding {text}")
    assert str(caught.value) == f"/home/ann/.stowrc: option '{text}' needs a value"


def test_stowrc_bad_regex_is_an_error():
    with pytest.raises(
        ConfigError, match=r"^/home/ann/\.stowrc: '--ignore': bad regular expression '\('"
    ):
        stowrc("--ignore=(")


def test_stowrcs_home_first_then_cwd_so_the_cwd_wins(tmp_path: Path):
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    home.mkdir()
    cwd.mkdir()
    (home / ".stowrc").write_text("--target=/home-t --dir=/home-d --ignore=a --adopt")
    (cwd / ".stowrc").write_text("--target=/cwd-t --ignore=b")

    found, warnings = read_stowrcs(World({"HOME": str(home)}, str(cwd)))
    settings = merge(found, World({"HOME": str(home)}, str(cwd)))

    assert [layer.source for layer in found] == [str(home / ".stowrc"), str(cwd / ".stowrc")]
    assert (settings.target, settings.dir) == ("/cwd-t", "/home-d")
    assert settings.stow_ignore == ("a", "b")
    assert warnings == [f"{home / '.stowrc'}: ignoring Stow option '--adopt' (not used by dot)"]


def test_stowrc_in_home_is_read_once_when_the_cwd_is_home(tmp_path: Path):
    (tmp_path / ".stowrc").write_text("--ignore=a")

    found, _ = read_stowrcs(World({"HOME": str(tmp_path)}, str(tmp_path)))

    assert [dict(layer.values) for layer in found] == [{"stow_ignore": ("a",)}]


def test_a_stowrc_directory_is_skipped(tmp_path: Path):
    (tmp_path / ".stowrc").mkdir()

    assert read_stowrcs(World({"HOME": str(tmp_path)}, str(tmp_path))) == ([], [])


def test_no_stowrc_no_layers(tmp_path: Path):
    assert read_stowrcs(World({"HOME": str(tmp_path)}, str(tmp_path))) == ([], [])


# --- Stow --ignore rules ---------------------------------------------------------


def stow_rules(*regexes: str, override: tuple[str, ...] = ()) -> Any:
    builder = RuleBuilder()
    builder.stow_suffixes(regexes, ".stowrc --ignore")
    builder.gitignore(override, "--override", negate=True)
    return builder.build()


@pytest.mark.parametrize(
    ("regex", "rel", "is_dir", "ignored"),
    [
        ("\\.md", "README.md", False, True),
        ("\\.md", "docs/x.md", False, True),
        ("\\.md", "x.md.txt", False, False),
        ("md", "xmd", False, True),  # Stow matches the end of the path, not a component
        ("^notes", "notes", True, True),
        ("^notes", "dot-notes", True, False),
        ("^notes", "a/notes", True, False),  # ^ is the start of the package path
        ("a/b", "x/a/b", True, True),
        ("a/b", "a/bc", False, False),
        (".*", "anything/at/all", False, True),
        ("build", "build", True, True),  # directories match without a trailing slash
        ("build/", "build", True, False),
    ],
)
def test_stow_ignore_matches_the_end_of_the_package_path(regex, rel, is_dir, ignored):
    assert stow_rules(regex).ignored(rel, is_dir) is ignored


def test_stow_ignore_can_be_overridden_and_explains_itself():
    rules = stow_rules("\\.bak", override=("keep.bak",))

    assert rules.ignored("x.bak", False)
    assert not rules.ignored("keep.bak", False)
    assert rules.why("x.bak", False) == ".stowrc --ignore: \\.bak"


def test_stow_ignore_bad_regex_names_the_source():
    with pytest.raises(ConfigError, match=r"^bad regular expression '\(' in \.stowrc --ignore"):
        stow_rules("(")


# --- the documentation -----------------------------------------------------------

DOCS = Path(__file__).parents[2] / "docs" / "configuration.md"


def test_the_documented_example_config_is_valid():
    import tomllib

    text = DOCS.read_text()
    example = text.split("```toml\n", 1)[1].split("```", 1)[0]

    values = from_toml(tomllib.loads(example), CONF, world()).values

    assert values["dir"] == "/home/ann/dotfiles"
    assert values["no_fold"] == frozenset(
        {".config", ".local/share", ".local/bin", ".ssh", ".gnupg", ".mozilla"}
    )


def test_every_key_and_variable_is_documented():
    text = DOCS.read_text()

    for key in KEYS.values():
        assert f"| `{key.name}` |" in text
        assert f"`{key.variable}`" in text
