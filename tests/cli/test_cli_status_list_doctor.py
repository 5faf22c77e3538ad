"""The read-only views and the health check: `dot status`, `dot list`, `dot doctor`.

Exact text output (NO_COLOR) for known repositories: install dates are pinned in the
manifest so they are deterministic. Tables are checked by their header words and
rows, not by the width of rich's box drawing. `doctor` is driven through every kind
of problem, with and without --fix, and through the loss of the manifest: after
`doctor --fix` rebuilds it, `dot status --format json` is what it was before.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat

import pytest

VIM = {"dot-vimrc": "set number\n", "dot-vim/colors/x.vim": "hi Normal guibg=black\n"}
ZSH = {"dot-zshrc": "z\n", "dot-zshenv": "e\n"}
GIT = {"dot-gitconfig": "[user]\n", "dot-gitignore": "*.o\n", "dot-gitattributes": "* text\n"}
NVIM = {"dot-config/nvim/init.lua": "require('opts')\n", "dot-config/nvim/lua/opts.lua": "x\n"}
SSH = {"dot-ssh/config": "Host *\n"}

DATES = {
    "git": "2026-03-01T09:00:00Z",
    "vim": "2026-01-15T08:30:00Z",
    "zsh": "2026-02-10T20:00:00Z",
    "nvim": "2026-01-20T10:00:00Z",
    "ssh": "2026-01-20T10:00:01Z",
}
REBUILD = "`dot doctor --fix` rebuilds it from the links on disk and keeps this file aside"


def pin_dates(env, dates=DATES) -> None:
    """Give the installed packages known install and update times (the manifest is JSON)."""
    doc = json.loads(env.manifest.read_text())
    for name, record in doc["packages"].items():
        record["installed_at"] = record["updated_at"] = dates[name]
    env.manifest.write_text(json.dumps(doc))


def install(env, *packages: str, pin: bool = True) -> None:
    files = {"vim": VIM, "zsh": ZSH, "git": GIT, "nvim": NVIM, "ssh": SSH}
    for name in packages:
        env.package(name, files[name])
    result = env.dot("manage", *packages)
    assert result.exit_code == 0, result.stderr
    if pin:
        pin_dates(env)


def one_document(stdout: str):
    doc, end = json.JSONDecoder().raw_decode(stdout)
    assert stdout[end:] == "\n"
    return doc


def table(stdout: str) -> tuple[list[str], list[list[str]]]:
    """The header cells and the body rows of a rich table (box characters dropped)."""
    headers: list[str] = []
    rows: list[list[str]] = []
    for line in stdout.splitlines():
        if line.startswith("┃"):
            headers = [cell.strip() for cell in line.strip("┃").split("┃")]
        elif line.startswith("│"):
            rows.append([cell.strip() for cell in line.strip("│").split("│")])
    return headers, rows


def flat(text: str) -> str:
    return " ".join(text.split())


def status_json(env, *args: str):
    result = env.dot("status", "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return one_document(result.stdout)


# --- status --------------------------------------------------------------------------


def test_status_of_a_healthy_repo(env):
    install(env, "vim", "zsh", "nvim", "ssh")

    result = env.dot("status")

    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout == (
        "nvim (managed, installed 2026-01-20 10:00:00 UTC): 1 link, 1 ok\n"
        "  ok            .config/nvim -> ../../dotfiles/nvim/dot-config/nvim\n"
        "ssh (managed, installed 2026-01-20 10:00:01 UTC): 1 link, 1 ok\n"
        "  ok            .ssh/config -> ../../dotfiles/ssh/dot-ssh/config\n"
        "vim (managed, installed 2026-01-15 08:30:00 UTC): 2 links, 2 ok\n"
        "  ok            .vim -> ../dotfiles/vim/dot-vim\n"
        "  ok            .vimrc -> ../dotfiles/vim/dot-vimrc\n"
        "zsh (managed, installed 2026-02-10 20:00:00 UTC): 2 links, 2 ok\n"
        "  ok            .zshenv -> ../dotfiles/zsh/dot-zshenv\n"
        "  ok            .zshrc -> ../dotfiles/zsh/dot-zshrc\n"
        "4 packages, 6 links: 6 ok\n"
    )


def test_status_of_a_package_with_no_links(env):
    """Recorded with every path skipped: "no links", not "0 links, no links"."""
    env.package("vim", {"dot-vimrc": "set nu\n"})
    (env.home / ".vimrc").write_text("mine\n")
    assert env.dot("manage", "vim", "--on-conflict", "skip").exit_code == 0

    result = env.dot("status")

    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"vim \(managed, installed [^)]*\): no links", lines[0]), lines
    assert lines[1:] == ["1 package, 0 links"]


def every_health(env) -> None:
    """vim: missing and wrong-target; zsh: replaced; git: broken; the rest ok."""
    install(env, "vim", "zsh", "git")
    (env.home / ".vimrc").unlink()
    (env.home / ".vim").unlink()
    (env.home / ".vim").symlink_to("/elsewhere")
    (env.home / ".zshrc").unlink()
    (env.home / ".zshrc").write_text("mine\n")
    (env.home / ".gitignore").unlink()
    (env.home / ".gitignore").mkdir()
    (env.dir / "git" / "dot-gitconfig").unlink()


def test_status_shows_every_health(env):
    every_health(env)

    result = env.dot("status")

    assert result.exit_code == 0  # status reports; doctor is the check that fails
    assert result.stdout == (
        "git (managed, installed 2026-03-01 09:00:00 UTC): 3 links, 1 ok, 1 replaced, 1 broken\n"
        "  ok            .gitattributes -> ../dotfiles/git/dot-gitattributes\n"
        "  broken        .gitconfig -> ../dotfiles/git/dot-gitconfig\n"
        "  replaced      .gitignore -> ../dotfiles/git/dot-gitignore (now a dir)\n"
        "vim (managed, installed 2026-01-15 08:30:00 UTC): 2 links, 1 missing, 1 wrong-target\n"
        "  wrong-target  .vim -> ../dotfiles/vim/dot-vim (now -> /elsewhere)\n"
        "  missing       .vimrc -> ../dotfiles/vim/dot-vimrc\n"
        "zsh (managed, installed 2026-02-10 20:00:00 UTC): 2 links, 1 ok, 1 replaced\n"
        "  ok            .zshenv -> ../dotfiles/zsh/dot-zshenv\n"
        "  replaced      .zshrc -> ../dotfiles/zsh/dot-zshrc (now a file)\n"
        "3 packages, 7 links: 2 ok, 1 missing, 1 wrong-target, 2 replaced, 1 broken\n"
    )


def test_status_of_a_package_whose_directory_is_gone(env):
    install(env, "zsh")
    shutil.rmtree(env.dir / "zsh")

    result = env.dot("status")

    assert result.stdout == (
        "zsh (managed, installed 2026-02-10 20:00:00 UTC, package directory missing): "
        "2 links, 2 broken\n"
        "  broken        .zshenv -> ../dotfiles/zsh/dot-zshenv\n"
        "  broken        .zshrc -> ../dotfiles/zsh/dot-zshrc\n"
        "1 package, 2 links: 2 broken\n"
    )
    doc = status_json(env)
    assert (doc["healthy"], doc["packages"][0]["present"], doc["packages"][0]["healthy"]) == (
        False,
        False,
        False,
    )


def test_status_table(env):
    every_health(env)

    result = env.dot("status", "--format", "table")

    assert result.exit_code == 0
    headers, rows = table(result.stdout)
    assert headers == ["package", "link", "points to", "health"]
    assert rows == [
        ["git", ".gitattributes", "../dotfiles/git/dot-gitattributes", "ok"],
        ["git", ".gitconfig", "../dotfiles/git/dot-gitconfig", "broken"],
        ["git", ".gitignore", "../dotfiles/git/dot-gitignore", "replaced"],
        ["vim", ".vim", "../dotfiles/vim/dot-vim", "wrong-target"],
        ["vim", ".vimrc", "../dotfiles/vim/dot-vimrc", "missing"],
        ["zsh", ".zshenv", "../dotfiles/zsh/dot-zshenv", "ok"],
        ["zsh", ".zshrc", "../dotfiles/zsh/dot-zshrc", "replaced"],
    ]
    assert f"status of {env.real_home}" in flat(result.stdout)
    assert "\x1b[" not in result.stdout


def test_status_json(env):
    every_health(env)

    doc = status_json(env, "vim", "zsh")

    counts = dict.fromkeys(["ok", "missing", "wrong-target", "replaced", "broken"], 0)
    assert doc == {
        "dir": env.real_dir,
        "target": env.real_home,
        "healthy": False,
        "waiting": [],
        "packages": [
            {
                "name": "vim",
                "source": "managed",
                "installed_at": "2026-01-15T08:30:00Z",
                "updated_at": "2026-01-15T08:30:00Z",
                "present": True,
                "healthy": False,
                "counts": {**counts, "missing": 1, "wrong-target": 1},
                "links": [
                    {
                        "path": ".vim",
                        "text": "../dotfiles/vim/dot-vim",
                        "source": "dot-vim",
                        "kind": "dir",
                        "health": "wrong-target",
                        "actual": "/elsewhere",
                    },
                    {
                        "path": ".vimrc",
                        "text": "../dotfiles/vim/dot-vimrc",
                        "source": "dot-vimrc",
                        "kind": "file",
                        "health": "missing",
                        "actual": "",
                    },
                ],
            },
            {
                "name": "zsh",
                "source": "managed",
                "installed_at": "2026-02-10T20:00:00Z",
                "updated_at": "2026-02-10T20:00:00Z",
                "present": True,
                "healthy": False,
                "counts": {**counts, "ok": 1, "replaced": 1},
                "links": [
                    {
                        "path": ".zshenv",
                        "text": "../dotfiles/zsh/dot-zshenv",
                        "source": "dot-zshenv",
                        "kind": "file",
                        "health": "ok",
                        "actual": "",
                    },
                    {
                        "path": ".zshrc",
                        "text": "../dotfiles/zsh/dot-zshrc",
                        "source": "dot-zshrc",
                        "kind": "file",
                        "health": "replaced",
                        "actual": "file",
                    },
                ],
            },
        ],
    }


def test_status_of_one_package(env):
    install(env, "vim", "zsh", "git")

    result = env.dot("status", "zsh")

    assert result.exit_code == 0
    assert result.stdout == (
        "zsh (managed, installed 2026-02-10 20:00:00 UTC): 2 links, 2 ok\n"
        "  ok            .zshenv -> ../dotfiles/zsh/dot-zshenv\n"
        "  ok            .zshrc -> ../dotfiles/zsh/dot-zshrc\n"
        "1 package, 2 links: 2 ok\n"
    )


def test_status_of_several_packages_keeps_the_order_given(env):
    install(env, "vim", "zsh", "git")

    doc = status_json(env, "zsh", "git", "zsh")

    assert [p["name"] for p in doc["packages"]] == ["zsh", "git"]


@pytest.mark.parametrize(
    ("args", "missing"), [(["nope"], "nope"), (["vim", "nope", "zsh"], "nope, zsh")]
)
def test_status_of_a_package_not_installed_is_exit_5(env, args, missing):
    install(env, "vim")
    env.package("zsh", ZSH)  # exists, but is not installed

    result = env.dot("status", *args)

    assert result.exit_code == 5
    assert result.stdout == ""
    assert result.stderr == f"dot: error: not installed in {env.real_home}: {missing}\n"


def test_status_with_nothing_installed(env):
    env.vim()

    result = env.dot("status")

    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == f"nothing installed in {env.real_home}\n"
    assert status_json(env) == {
        "dir": env.real_dir,
        "target": env.real_home,
        "healthy": True,
        "waiting": [],
        "packages": [],
    }


def test_status_never_writes(env):
    every_health(env)
    before = env.state()

    for fmt in ("text", "table", "json"):
        assert env.dot("status", "--format", fmt).exit_code == 0

    assert env.state() == before


# --- list ----------------------------------------------------------------------------

LIST_ORDER = {
    "name": ["git", "vim", "zsh"],
    "links": ["git", "vim", "zsh"],
    "date": ["vim", "zsh", "git"],
}


def three_packages(env) -> None:
    install(env, "vim", "git")
    # zsh has one link only, so every sort key orders the three differently.
    env.package("zsh", {"dot-zshrc": "z\n"})
    assert env.dot("manage", "zsh").exit_code == 0
    pin_dates(env)


def test_list_sorted_by_name_is_the_default(env):
    three_packages(env)

    result = env.dot("list")

    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout == (
        "git     3 links  installed 2026-03-01 09:00:00 UTC\n"
        "vim     2 links  installed 2026-01-15 08:30:00 UTC\n"
        "zsh      1 link  installed 2026-02-10 20:00:00 UTC\n"
    )
    assert env.dot("list", "--sort", "name").stdout == result.stdout


def test_list_sorted_by_links_most_first(env):
    install(env, "vim", "zsh", "git")  # zsh and vim have two links each: by name

    result = env.dot("list", "--sort", "links")

    assert result.stdout == (
        "git     3 links  installed 2026-03-01 09:00:00 UTC\n"
        "vim     2 links  installed 2026-01-15 08:30:00 UTC\n"
        "zsh     2 links  installed 2026-02-10 20:00:00 UTC\n"
    )


def test_list_sorted_by_date_oldest_first(env):
    three_packages(env)

    result = env.dot("list", "--sort", "date")

    assert result.stdout == (
        "vim     2 links  installed 2026-01-15 08:30:00 UTC\n"
        "zsh      1 link  installed 2026-02-10 20:00:00 UTC\n"
        "git     3 links  installed 2026-03-01 09:00:00 UTC\n"
    )


@pytest.mark.parametrize("sort", ["name", "links", "date"])
def test_list_json(env, sort):
    three_packages(env)

    result = env.dot("list", "--sort", sort, "--format", "json")

    assert result.exit_code == 0
    links = {"git": 3, "vim": 2, "zsh": 1}
    assert one_document(result.stdout) == {
        "dir": env.real_dir,
        "target": env.real_home,
        "sort": sort,
        "packages": [
            {
                "name": name,
                "source": "managed",
                "links": links[name],
                "installed_at": DATES[name],
                "updated_at": DATES[name],
            }
            for name in LIST_ORDER[sort]
        ],
    }


@pytest.mark.parametrize("sort", ["name", "links", "date"])
def test_list_table(env, sort):
    three_packages(env)

    result = env.dot("list", "--sort", sort, "--format", "table")

    assert result.exit_code == 0
    headers, rows = table(result.stdout)
    assert headers == ["package", "links", "installed", "source"]
    shown = {
        "git": ["git", "3", "2026-03-01 09:00:00 UTC", "managed"],
        "vim": ["vim", "2", "2026-01-15 08:30:00 UTC", "managed"],
        "zsh": ["zsh", "1", "2026-02-10 20:00:00 UTC", "managed"],
    }
    assert rows == [shown[name] for name in LIST_ORDER[sort]]
    # The title wraps at the table's width (mid-path when the temp path is long).
    assert f"installedin{env.real_home}" in "".join(result.stdout.split())


def test_list_with_nothing_installed(env):
    result = env.dot("list")

    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == f"nothing installed in {env.real_home}\n"
    assert one_document(env.dot("list", "--format", "json").stdout)["packages"] == []
    headers, rows = table(env.dot("list", "--format", "table").stdout)
    assert (headers, rows) == (["package", "links", "installed", "source"], [])


def test_list_after_everything_is_unmanaged(env):
    install(env, "vim")
    assert env.dot("unmanage", "vim").exit_code == 0

    assert env.dot("list").stdout == f"nothing installed in {env.real_home}\n"


def test_list_with_a_bad_sort_key_is_a_usage_error(env):
    result = env.dot("list", "--sort", "size")

    assert result.exit_code == 2
    assert result.stderr == (
        "dot: error: Invalid value for '--sort': 'size' is not one of 'name', 'links', "
        "'date'. (see 'dot list --help')\n"
    )


# --- doctor: diagnosis ---------------------------------------------------------------


def test_doctor_healthy(env):
    install(env, "vim", "zsh")

    result = env.dot("doctor")

    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout == "healthy: no problems; 4 links checked (depth 5)\n"


def test_doctor_healthy_with_nothing_installed(env):
    result = env.dot("doctor")

    assert (result.exit_code, result.stdout) == (
        0,
        "healthy: no problems; 0 links checked (depth 5)\n",
    )


def _vimrc_only(env) -> None:
    """vim with one file installed; zsh exists but is not installed."""
    env.package("vim", {"dot-vimrc": "set number\n"})
    env.package("zsh", {"dot-zshrc": "z\n"})
    assert env.dot("manage", "vim").exit_code == 0


def _relink(env, path: str, text: str) -> None:
    (env.home / path).unlink()
    (env.home / path).symlink_to(text)


def missing_link(env):
    (env.home / ".vimrc").unlink()


def wrong_link(env):
    env.package("vim", {"dot-exrc": "x\n"})
    _relink(env, ".vimrc", "../dotfiles/vim/dot-exrc")


def replaced(env):
    _relink(env, ".vimrc", "/elsewhere")


def broken_link(env):
    (env.dir / "vim" / "dot-vimrc").unlink()
    (env.dir / "vim" / "dot-gvimrc").write_text("keeps the package\n")


def dangling_link(env):
    (env.home / ".old").symlink_to("../dotfiles/vim/gone")


def unrecorded_link(env):
    (env.home / ".zshrc").symlink_to("../dotfiles/zsh/dot-zshrc")


def stray_link(env):
    (env.home / ".exrc").symlink_to("../dotfiles/vim/dot-vimrc")


def package_gone(env):
    shutil.rmtree(env.dir / "vim")


def manifest_corrupt(env):
    env.manifest.write_text("not json")


CORRUPT = "is not valid JSON (Expecting value: line 1 column 1 (char 0))"

# (setup, finding lines with {dir} and {home}, links checked, fixable count)
PROBLEMS = {
    "missing-link": (
        missing_link,
        ["missing-link           .vimrc  package vim; a recorded link is missing"],
        0,
        1,
    ),
    "wrong-link": (
        wrong_link,
        [
            "wrong-link             .vimrc  package vim; -> ../dotfiles/vim/dot-exrc; "
            "a recorded link points to the wrong place"
        ],
        1,
        1,
    ),
    "replaced": (
        replaced,
        [
            "replaced               .vimrc  package vim; now -> /elsewhere; a recorded link "
            "was replaced by something else (left alone)"
        ],
        1,
        0,
    ),
    "broken-link": (
        broken_link,
        [
            "broken-link            .vimrc  package vim; a recorded link's source is gone "
            "from the package"
        ],
        1,
        1,
    ),
    "dangling-link": (
        dangling_link,
        [
            "dangling-link          .old  package vim; -> ../dotfiles/vim/gone; a dangling "
            "link into the package directory that no manifest records"
        ],
        2,
        1,
    ),
    "unrecorded-link": (
        unrecorded_link,
        [
            "unrecorded-link        .zshrc  package zsh; -> ../dotfiles/zsh/dot-zshrc; a "
            "correct link into the package directory that no manifest records"
        ],
        2,
        1,
    ),
    "stray-link": (
        stray_link,
        [
            "stray-link             .exrc  package vim; -> ../dotfiles/vim/dot-vimrc; a link "
            "into the package directory that no package maps there (left alone)"
        ],
        2,
        0,
    ),
    "package-gone": (
        package_gone,
        ["package-gone           {dir}/vim  package vim; the package directory is gone"],
        1,
        1,
    ),
    "manifest-corrupt": (
        manifest_corrupt,
        [
            "manifest-corrupt               manifest {home}/.dot-manifest.json "
            f"{CORRUPT}; the manifest cannot be read",
            "unrecorded-link        .vimrc  package vim; -> ../dotfiles/vim/dot-vimrc; a "
            "correct link into the package directory that no manifest records",
        ],
        1,
        2,
    ),
}


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _lines(env, lines):
    return [line.format(dir=env.real_dir, home=env.real_home) for line in lines]


@pytest.mark.parametrize("kind", list(PROBLEMS))
def test_doctor_finds_each_problem(env, kind):
    setup, lines, checked, fixable = PROBLEMS[kind]
    _vimrc_only(env)
    setup(env)
    before = env.state()

    result = env.dot("doctor")

    assert result.exit_code == 1
    assert result.stderr == ""
    found = _plural(len(lines), "problem")
    hint = f" ({fixable} fixable: run `dot doctor --fix`)" if fixable else ""
    assert result.stdout.splitlines() == [
        *_lines(env, lines),
        f"{found}{hint}; {_plural(checked, 'link')} checked (depth 5)",
    ]
    assert env.state() == before

    doc = one_document(env.dot("doctor", "--format", "json").stdout)
    assert [f["problem"] for f in doc["findings"]] == (
        ["manifest-corrupt", "unrecorded-link"] if kind == "manifest-corrupt" else [kind]
    )
    assert doc["healthy"] is False
    assert [f["fixable"] for f in doc["findings"]] == [True] * fixable + [False] * (
        len(lines) - fixable
    )


# What each fix leaves behind: (links in the target, packages `dot list` shows).
AFTER_FIX = {
    "missing-link": ({".vimrc": "../dotfiles/vim/dot-vimrc"}, ["vim"]),
    "wrong-link": (
        {".vimrc": "../dotfiles/vim/dot-vimrc", ".exrc": "../dotfiles/vim/dot-exrc"},
        ["vim"],
    ),
    "broken-link": ({".gvimrc": "../dotfiles/vim/dot-gvimrc"}, ["vim"]),
    "dangling-link": ({".vimrc": "../dotfiles/vim/dot-vimrc"}, ["vim"]),
    "unrecorded-link": (
        {".vimrc": "../dotfiles/vim/dot-vimrc", ".zshrc": "../dotfiles/zsh/dot-zshrc"},
        ["vim", "zsh"],
    ),
    "package-gone": ({}, []),
    "manifest-corrupt": ({".vimrc": "../dotfiles/vim/dot-vimrc"}, ["vim"]),
}


@pytest.mark.parametrize("kind", list(AFTER_FIX))
def test_doctor_fix_repairs_each_fixable_problem(env, kind):
    setup, lines, checked, _ = PROBLEMS[kind]
    _vimrc_only(env)
    setup(env)

    result = env.dot("doctor", "--fix")

    assert result.exit_code == 0, result.stdout
    assert result.stderr == ""
    n = len(lines)
    assert result.stdout.splitlines() == [
        *(f"fixed {line}" for line in _lines(env, lines)),
        f"{_plural(n, 'problem')}: {n} fixed, 0 left; {_plural(checked, 'link')} checked (depth 5)",
    ]
    links, installed = AFTER_FIX[kind]
    assert env.links(env.home) == links
    doc = one_document(env.dot("list", "--format", "json").stdout)
    assert [p["name"] for p in doc["packages"]] == installed
    again = env.dot("doctor")
    assert again.exit_code == 0
    assert again.stdout.startswith("healthy: no problems; ")


@pytest.mark.parametrize("kind", ["replaced", "stray-link"])
def test_doctor_fix_leaves_what_is_not_dots_to_fix(env, kind):
    setup, lines, checked, _ = PROBLEMS[kind]
    _vimrc_only(env)
    setup(env)
    before = env.state()

    result = env.dot("doctor", "--fix")

    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        *(f"left  {line}" for line in _lines(env, lines)),
        f"1 problem: 0 fixed, 1 left; {_plural(checked, 'link')} checked (depth 5)",
    ]
    assert env.state() == before


def stray_link_into_zsh(env):
    (env.home / ".zrc").symlink_to("../dotfiles/zsh/dot-zshrc")


def test_doctor_fix_marks_fixed_and_left_and_exits_1_when_something_is_left(env):
    _vimrc_only(env)
    missing_link(env)
    stray_link_into_zsh(env)

    result = env.dot("doctor", "--fix", "-v")

    assert result.exit_code == 1
    assert result.stdout == (
        "link    .vimrc -> ../dotfiles/vim/dot-vimrc\n"
        "fixed missing-link           .vimrc  package vim; a recorded link is missing\n"
        "left  stray-link             .zrc    package zsh; -> ../dotfiles/zsh/dot-zshrc; a link "
        "into the package directory that no package maps there (left alone)\n"
        "2 problems: 1 fixed, 1 left; 1 link checked (depth 5)\n"
    )
    assert os.readlink(env.home / ".zrc") == "../dotfiles/zsh/dot-zshrc"
    doc = one_document(env.dot("doctor", "--fix", "--format", "json").stdout)
    assert [(f["problem"], f["fixed"]) for f in doc["findings"]] == [("stray-link", False)]


def test_doctor_fix_leaves_a_stray_link_alone_while_repairing_its_package(env):
    _vimrc_only(env)
    missing_link(env)
    stray_link(env)

    env.dot("doctor", "--fix")

    assert os.readlink(env.home / ".exrc") == "../dotfiles/vim/dot-vimrc"


def test_doctor_fix_dry_run_changes_nothing(env):
    _vimrc_only(env)
    missing_link(env)
    dangling_link(env)
    before = env.state()

    result = env.dot("doctor", "--fix", "--dry-run")

    assert result.exit_code == 0
    assert result.stdout == (
        "unlink  .old -> ../dotfiles/vim/gone\n"
        "link    .vimrc -> ../dotfiles/vim/dot-vimrc\n"
        "missing-link           .vimrc  package vim; a recorded link is missing\n"
        "dangling-link          .old    package vim; -> ../dotfiles/vim/gone; a dangling "
        "link into the package directory that no manifest records\n"
        "dry run: 2 problems; the fix would run the 2 operations above; nothing was changed\n"
    )
    assert env.state() == before
    assert env.dot("doctor").exit_code == 1


def test_doctor_fix_dry_run_with_nothing_fixable_is_still_a_dry_run(env):
    """No `left` marks, no "0 fixed" summary, exit 0: the same shape as any dry run."""
    _vimrc_only(env)
    stray_link(env)
    before = env.state()

    result = env.dot("-n", "doctor", "--fix")

    assert result.exit_code == 0
    assert result.stdout == (
        "stray-link             .exrc  package vim; -> ../dotfiles/vim/dot-vimrc; a link "
        "into the package directory that no package maps there (left alone)\n"
        "dry run: 1 problem; the fix would change nothing in the target\n"
    )
    assert env.state() == before


def test_doctor_fix_dry_run_of_a_corrupt_manifest_keeps_it(env):
    _vimrc_only(env)
    manifest_corrupt(env)
    before = env.state()

    result = env.dot("-n", "doctor", "--fix")

    assert result.exit_code == 0
    assert result.stdout.endswith(
        "dry run: 2 problems; the fix would change nothing in the target\n"
    )
    assert env.state() == before
    assert env.manifest.read_text() == "not json"


def test_doctor_table(env):
    _vimrc_only(env)
    missing_link(env)
    stray_link_into_zsh(env)

    plain = env.dot("doctor", "--format", "table")
    fixed = env.dot("doctor", "--format", "table", "--fix")

    assert plain.exit_code == 1
    headers, rows = table(plain.stdout)
    assert headers == ["problem", "path", "package", "fixed"]
    assert rows == [["missing-link", ".vimrc", "vim", "-"], ["stray-link", ".zrc", "zsh", "-"]]
    assert "2 problems (1 fixable: run `dot doctor --fix`); 1 link checked (depth 5)" in flat(
        plain.stdout
    )
    assert fixed.exit_code == 1
    assert table(fixed.stdout)[1] == [
        ["missing-link", ".vimrc", "vim", "yes"],
        ["stray-link", ".zrc", "zsh", "no"],
    ]


# --- doctor --depth --------------------------------------------------------------------


def test_doctor_depth_limits_the_search_for_stray_links(env):
    _vimrc_only(env)
    deep = env.home / "a" / "b" / "c" / "d"
    deep.mkdir(parents=True)
    (deep / "old").symlink_to("../../../../../dotfiles/vim/gone")

    default = env.dot("doctor")
    shallow = env.dot("doctor", "--depth", "4")
    explicit = env.dot("doctor", "--depth", "5", "--format", "json")

    assert default.exit_code == 1
    assert default.stdout.splitlines()[-1] == (
        "1 problem (1 fixable: run `dot doctor --fix`); 2 links checked (depth 5)"
    )
    assert default.stdout.startswith("dangling-link          a/b/c/d/old  package vim; ")
    assert shallow.exit_code == 0
    assert shallow.stdout == "healthy: no problems; 1 link checked (depth 4)\n"
    doc = one_document(explicit.stdout)
    assert (doc["depth"], doc["links_scanned"]) == (5, 2)
    assert [f["path"] for f in doc["findings"]] == ["a/b/c/d/old"]


def test_doctor_always_searches_the_directories_dot_created(env):
    env.package("deep", {"a/b/c/d/e/f/file": "x\n"})
    assert env.dot("manage", "deep", "--no-folding").exit_code == 0
    (env.home / "a/b/c/d/e/f/old").symlink_to("../../../../../../../dotfiles/deep/gone")

    result = env.dot("doctor", "--depth", "1")

    assert result.exit_code == 1
    assert result.stdout.startswith("dangling-link          a/b/c/d/e/f/old  package deep; ")


@pytest.mark.parametrize("depth", ["0", "65", "x"])
def test_doctor_depth_out_of_range_is_a_usage_error(env, depth):
    result = env.dot("doctor", "--depth", depth)

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("dot: error: Invalid value for '--depth': ")
    assert result.stderr.endswith(" (see 'dot doctor --help')\n")


# --- the lost manifest: doctor --fix rebuilds what status showed ----------------------


def test_rebuilding_a_deleted_manifest_restores_the_status_document(env):
    """The judging criterion: delete the manifest, `doctor --fix`, same status JSON."""
    install(env, "vim", "zsh", "git", "nvim", "ssh", pin=False)
    (env.home / ".bashrc").write_text("mine\n")  # the user's own file, never dot's
    before = status_json(env)
    text_before = env.dot("status").stdout
    env.manifest.unlink()

    assert env.dot("status").stdout == f"nothing installed in {env.real_home}\n"
    diagnosed = env.dot("doctor")
    assert diagnosed.exit_code == 1
    assert sorted(line.split()[0:2] for line in diagnosed.stdout.splitlines()[:-1]) == [
        ["unrecorded-link", path]
        for path in sorted(
            [
                ".config/nvim",
                ".gitattributes",
                ".gitconfig",
                ".gitignore",
                ".ssh/config",
                ".vim",
                ".vimrc",
                ".zshenv",
                ".zshrc",
            ]
        )
    ]
    fixed = env.dot("doctor", "--fix")

    assert fixed.exit_code == 0, fixed.stdout
    assert fixed.stdout.splitlines()[-1] == (
        "9 problems: 9 fixed, 0 left; 9 links checked (depth 5)"
    )
    assert status_json(env) == before
    assert env.dot("status").stdout == text_before
    assert env.dot("doctor").stdout == "healthy: no problems; 9 links checked (depth 5)\n"
    assert env.dot("remanage", "vim", "zsh", "git", "nvim", "ssh").stdout.startswith(
        "remanage vim zsh git nvim ssh: up to date, no changes ("
    )


def test_a_rebuilt_manifest_unmanages_like_the_original(env):
    (env.home / ".bashrc").write_text("mine\n")
    home_before = env.tree_state(env.home, mtimes=False)
    install(env, "vim", "zsh", pin=False)
    env.manifest.unlink()
    assert env.dot("doctor", "--fix").exit_code == 0

    result = env.dot("unmanage", "--all")

    assert result.exit_code == 0
    assert env.links(env.home) == {}
    assert env.tree_state(env.home, mtimes=False) == home_before


def vim_and_an_adopted_tmux_conf(env, mode: int = 0o644) -> None:
    """vim installed, then the user's ~/.tmux.conf adopted (package `tmux.conf`)."""
    install(env, "vim", pin=False)
    (env.home / ".tmux.conf").write_text("set -g mouse on\n")
    os.chmod(env.home / ".tmux.conf", mode)
    assert env.dot("adopt", str(env.home / ".tmux.conf")).exit_code == 0


def test_rebuilding_restores_an_adopted_package(env):
    """The manifest's copy knows what the links cannot tell: the package was adopted."""
    vim_and_an_adopted_tmux_conf(env, mode=0o600)
    before = status_json(env)
    env.manifest.unlink()

    assert env.dot("doctor", "--fix").exit_code == 0

    assert status_json(env) == before
    # ...and unmanage still puts the user's own file back, as it was.
    assert env.dot("unmanage", "tmux.conf").exit_code == 0
    assert not (env.home / ".tmux.conf").is_symlink()
    assert (env.home / ".tmux.conf").read_text() == "set -g mouse on\n"
    assert stat.S_IMODE((env.home / ".tmux.conf").stat().st_mode) == 0o600


def test_rebuilding_a_corrupt_manifest_uses_the_copy_too(env):
    vim_and_an_adopted_tmux_conf(env)
    before = status_json(env)
    env.manifest.write_text("{ not json")

    assert env.dot("doctor", "--fix").exit_code == 0

    assert status_json(env) == before


def test_rebuilding_restores_a_backup_and_the_directories_dot_made(env):
    """unmanage after the rebuild puts the backed-up file back and removes the
    directory dot created, exactly as it would have without the loss."""
    env.package("a", {"dot-config/x/rc": "a\n", "dot-zshrc": "z\n"})
    env.package("b", {"dot-config/y/rc": "b\n"})
    (env.home / ".zshrc").write_text("mine\n")
    assert env.dot("manage", "b").exit_code == 0
    empty = env.state()
    assert env.dot("manage", "a", "--on-conflict", "backup").exit_code == 0
    assert env.dot("unmanage", "b").exit_code == 0  # .config stays: dot made it for a and b
    before = status_json(env)
    env.manifest.unlink()

    assert env.dot("doctor", "--fix").exit_code == 0
    assert status_json(env) == before
    assert env.dot("unmanage", "a").exit_code == 0

    assert (env.home / ".zshrc").read_text() == "mine\n"
    assert not (env.home / ".config").exists()
    kept = {".dot-manifest.json", ".dot-manifest.json.copy", ".dot-manifest.json.stamps"}
    assert env.state()[1].keys() - kept == (
        empty[1].keys() - kept - {".config", ".config/y", ".config/y/rc"}
    )


def test_without_the_copy_a_rebuilt_package_counts_as_managed(env):
    vim_and_an_adopted_tmux_conf(env)
    env.manifest.unlink()
    (env.home / ".dot-manifest.json.copy").unlink()

    assert env.dot("doctor", "--fix").exit_code == 0

    sources = {p["name"]: p["source"] for p in status_json(env)["packages"]}
    assert sources == {"tmux.conf": "managed", "vim": "managed"}


def test_the_copy_follows_the_manifest(env):
    install(env, "vim", pin=False)
    copy = env.home / ".dot-manifest.json.copy"
    assert copy.read_bytes() == env.manifest.read_bytes()
    assert env.dot("unmanage", "vim").exit_code == 0
    assert not env.manifest.exists() and not copy.exists()


def test_rebuilding_restores_the_update_time_of_a_remanage_that_only_unlinked(env):
    install(env, "zsh", "git", pin=False)
    # Make the install look old: the links and the manifest dated 2020 (no sleeping).
    old = 1_577_872_800  # 2020-01-01T10:00:00Z
    for path in env.links(env.home):
        os.utime(env.home / path, (old, old), follow_symlinks=False)
    pin_dates(env, {"zsh": "2020-01-01T10:00:00Z", "git": "2020-01-01T10:00:00Z"})
    (env.dir / "git" / "dot-gitattributes").unlink()
    assert env.dot("remanage", "git").exit_code == 0
    before = status_json(env)
    env.manifest.unlink()

    assert env.dot("doctor", "--fix").exit_code == 0

    assert status_json(env) == before


def test_doctor_leaves_a_link_pointed_into_another_package(env):
    """Someone pointed zsh's link at vim's file: that is a choice, not dot's to undo."""
    install(env, "vim", "zsh")
    _relink(env, ".zshrc", "../dotfiles/vim/dot-vimrc")
    before = env.state()

    result = env.dot("doctor", "--fix")

    assert result.exit_code == 1
    assert "left  replaced               .zshrc  package zsh; now -> ../dotfiles/vim/dot-vimrc" in (
        result.stdout
    )
    assert env.state() == before


# --- a corrupt manifest --------------------------------------------------------------


@pytest.mark.parametrize("command", [["status"], ["status", "vim"], ["list"]])
def test_corrupt_manifest_is_exit_1_naming_the_file(env, command):
    _vimrc_only(env)
    manifest_corrupt(env)

    result = env.dot(*command)

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"dot: error: manifest {env.real_home}/.dot-manifest.json {CORRUPT}; {REBUILD}\n"
    )


def test_doctor_fix_rebuilds_a_corrupt_manifest_and_keeps_it_aside(env):
    install(env, "vim", "zsh", pin=False)
    before = status_json(env)
    env.manifest.write_bytes(b'{"version": 1, "packages": ')

    result = env.dot("doctor", "--fix")

    assert result.exit_code == 0, result.stdout
    assert result.stdout.startswith("fixed manifest-corrupt ")
    assert (
        result.stdout.splitlines()[-1] == "5 problems: 5 fixed, 0 left; 4 links checked (depth 5)"
    )
    kept = sorted(p.name for p in env.home.iterdir() if ".corrupt-" in p.name)
    assert len(kept) == 1
    run = json.loads(env.manifest.read_text())["run"]
    assert kept == [f".dot-manifest.json.corrupt-{run}"]
    assert (env.home / kept[0]).read_bytes() == b'{"version": 1, "packages": '
    assert status_json(env) == before
    assert env.dot("doctor").exit_code == 0
