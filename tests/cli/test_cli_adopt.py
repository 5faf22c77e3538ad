"""`dot adopt [PKG] PATH...`: move existing files into a package and link them back.

Covers the argument forms (PKG PATH..., -p/--package, a derived name), relative and
absolute paths, directories, dry run, the manifest's "adopted" source, every error
(one `dot: error:` line, an exit code, nothing changed) and the round trip: adopt
then unmanage leaves the user's files exactly as they were, while the package keeps
its copy.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

WHEN = "2026-01-02T03:04:05Z"


def one_error_line(stderr: str) -> str:
    """The single `dot: error:` line that is the whole of stderr."""
    assert stderr.startswith("dot: error: "), stderr
    assert stderr.count("\n") == 1 and stderr.endswith("\n"), stderr
    return stderr[len("dot: error: ") : -1]


def pin_dates(env, when: str = WHEN) -> None:
    """Give every package in the manifest the same install and update time."""
    doc = json.loads(env.manifest.read_text())
    for record in doc["packages"].values():
        record["installed_at"] = record["updated_at"] = when
    env.manifest.write_text(json.dumps(doc))


def status_document(env) -> dict:
    result = env.dot("status", "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def user_files(home: Path) -> None:
    """A home with files of the user's own, in several modes, a directory and a symlink."""
    (home / ".vimrc").write_text("set number\n")
    (home / ".vimrc").chmod(0o640)
    nvim = home / ".config" / "nvim"
    (nvim / "lua").mkdir(parents=True)
    (nvim / "init.lua").write_text("require('opts')\n")
    (nvim / "lua" / "opts.lua").write_text("vim.o.number = true\n")
    (nvim / "lua" / "opts.lua").chmod(0o600)
    (nvim / "lua").chmod(0o750)
    (nvim / "init-link.lua").symlink_to("init.lua")
    (home / ".ssh").mkdir(mode=0o700)
    (home / ".ssh").chmod(0o700)
    (home / ".ssh" / "config").write_text("Host *\n  AddKeysToAgent yes\n")
    (home / ".ssh" / "config").chmod(0o600)
    (home / ".mydir" / "sub").mkdir(parents=True)
    (home / ".mydir").chmod(0o700)
    (home / ".mydir" / "run.sh").write_text("#!/bin/sh\necho hi\n")
    (home / ".mydir" / "run.sh").chmod(0o755)
    (home / ".mydir" / "sub" / "notes").write_text("n\n")


# --- argument forms --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "name", "source", "text", "mkdirs"),
    [
        (".vimrc", "vimrc", "dot-vimrc", "../dotfiles/vimrc/dot-vimrc", ["vimrc"]),
        (
            ".config/nvim",
            "nvim",
            "dot-config/nvim",
            "../../dotfiles/nvim/dot-config/nvim",
            ["nvim", "nvim/dot-config"],
        ),
        (
            ".ssh/config",
            "ssh",
            "dot-ssh/config",
            "../../dotfiles/ssh/dot-ssh/config",
            ["ssh", "ssh/dot-ssh"],
        ),
    ],
    ids=["~/.vimrc", "~/.config/nvim", "~/.ssh/config"],
)
def test_a_derived_package_name(env, path, name, source, text, mkdirs):
    user_files(env.home)
    original = env.tree_state(env.home / path, mtimes=False)

    result = env.dot("-v", "adopt", str(env.home / path))

    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    made = "".join(f"mkdir   {env.real_dir}/{d}/\n" for d in mkdirs)
    env.expect(
        result.stdout,
        f"{made}move    {path} => {name}/{source}\nlink    {path} -> {text}\n"
        f"adopt {name}: {len(mkdirs) + 2} operations (link 1, mkdir {len(mkdirs)}, move 1) "
        "in {elapsed}\n",
    )
    assert os.readlink(env.home / path) == text
    # The package holds exactly what the target held: content, modes, inner links.
    assert env.tree_state(env.dir / name / source, mtimes=False) == original


def test_package_then_paths(env):
    (env.home / ".zshrc").write_text("z\n")
    (env.home / ".zshenv").write_text("e\n")

    result = env.dot("adopt", "shell", str(env.home / ".zshrc"), str(env.home / ".zshenv"))

    assert result.exit_code == 0, result.stderr
    env.expect(result.stdout, "adopt shell: 5 operations (link 2, mkdir 1, move 2) in {elapsed}\n")
    assert env.links(env.home) == {
        ".zshrc": "../dotfiles/shell/dot-zshrc",
        ".zshenv": "../dotfiles/shell/dot-zshenv",
    }
    assert sorted(p.name for p in (env.dir / "shell").iterdir()) == ["dot-zshenv", "dot-zshrc"]


@pytest.mark.parametrize("flag", ["-p", "--package"])
def test_package_option(env, flag):
    (env.home / ".vimrc").write_text("v\n")
    (env.home / ".gvimrc").write_text("g\n")

    result = env.dot("adopt", flag, "editor", str(env.home / ".vimrc"), str(env.home / ".gvimrc"))

    assert result.exit_code == 0, result.stderr
    env.expect(result.stdout, "adopt editor: 5 operations (link 2, mkdir 1, move 2) in {elapsed}\n")
    assert env.links(env.home) == {
        ".vimrc": "../dotfiles/editor/dot-vimrc",
        ".gvimrc": "../dotfiles/editor/dot-gvimrc",
    }


def test_package_option_with_a_first_argument_that_would_be_a_package_name(env):
    """With -p, every argument is a path, even one that looks like a name."""
    (env.home / "notes").write_text("n\n")
    (env.home / ".vimrc").write_text("v\n")

    result = env.dot("adopt", "-p", "misc", str(env.home / "notes"), str(env.home / ".vimrc"))

    assert result.exit_code == 0, result.stderr
    assert env.links(env.home) == {
        "notes": "../dotfiles/misc/notes",
        ".vimrc": "../dotfiles/misc/dot-vimrc",
    }


def test_a_path_relative_to_the_current_directory(env, monkeypatch):
    (env.home / ".vimrc").write_text("v\n")
    monkeypatch.chdir(env.home)

    result = env.dot("adopt", ".vimrc")

    assert result.exit_code == 0, result.stderr
    assert os.readlink(env.home / ".vimrc") == "../dotfiles/vimrc/dot-vimrc"


def test_a_relative_path_that_leaves_the_current_directory(env):
    (env.home / ".vimrc").write_text("v\n")

    result = env.dot("adopt", "../home/.vimrc")  # cwd is the package directory

    assert result.exit_code == 0, result.stderr
    assert os.readlink(env.home / ".vimrc") == "../dotfiles/vimrc/dot-vimrc"


def test_package_name_and_a_relative_path_from_the_target(env, monkeypatch):
    (env.home / ".tmux.conf").write_text("set -g mouse on\n")
    monkeypatch.chdir(env.home)

    result = env.dot("adopt", "tmux", ".tmux.conf")

    assert result.exit_code == 0, result.stderr
    assert os.readlink(env.home / ".tmux.conf") == "../dotfiles/tmux/dot-tmux.conf"
    assert (env.dir / "tmux" / "dot-tmux.conf").read_text() == "set -g mouse on\n"


def test_a_directory_is_moved_whole_and_folded(env):
    user_files(env.home)
    before = env.tree_state(env.home / ".mydir", mtimes=False)

    result = env.dot("adopt", str(env.home / ".mydir"))

    assert result.exit_code == 0, result.stderr
    assert os.readlink(env.home / ".mydir") == "../dotfiles/mydir/dot-mydir"
    assert env.tree_state(env.dir / "mydir" / "dot-mydir", mtimes=False) == before
    assert (env.home / ".mydir" / "sub" / "notes").read_text() == "n\n"


def test_adopt_into_an_installed_package_keeps_it_managed(env):
    env.vim()
    assert env.dot("manage", "vim").exit_code == 0
    (env.home / ".gvimrc").write_text("g\n")

    result = env.dot("adopt", "-p", "vim", str(env.home / ".gvimrc"))

    assert result.exit_code == 0, result.stderr
    env.expect(result.stdout, "adopt vim: 2 operations (link 1, move 1) in {elapsed}\n")
    assert os.readlink(env.home / ".gvimrc") == "../dotfiles/vim/dot-gvimrc"
    assert [p["source"] for p in status_document(env)["packages"]] == ["managed"]


# --- dry run ---------------------------------------------------------------------------


def test_dry_run_shows_the_moves_and_changes_nothing(env):
    user_files(env.home)
    before = env.state()

    result = env.dot("-n", "adopt", "-p", "x", str(env.home / ".vimrc"), str(env.home / ".mydir"))

    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == (
        f"mkdir   {env.real_dir}/x/\n"
        "move    .vimrc => x/dot-vimrc\n"
        "move    .mydir => x/dot-mydir\n"
        "link    .mydir -> ../dotfiles/x/dot-mydir\n"
        "link    .vimrc -> ../dotfiles/x/dot-vimrc\n"
        "dry run: adopt x: would run 5 operations (link 2, mkdir 1, move 2); nothing was changed\n"
    )
    assert env.state() == before
    assert not env.manifest.exists()


def test_dry_run_of_a_directory_below_a_container(env):
    user_files(env.home)
    before = env.state()

    result = env.dot("adopt", str(env.home / ".config/nvim"), "--dry-run")

    assert result.exit_code == 0
    assert result.stdout == (
        f"mkdir   {env.real_dir}/nvim/\n"
        f"mkdir   {env.real_dir}/nvim/dot-config/\n"
        "move    .config/nvim => nvim/dot-config/nvim\n"
        "link    .config/nvim -> ../../dotfiles/nvim/dot-config/nvim\n"
        "dry run: adopt nvim: would run 4 operations (link 1, mkdir 2, move 1); "
        "nothing was changed\n"
    )
    assert env.state() == before


# --- the manifest records "adopted" ------------------------------------------------------


def test_list_and_status_show_the_adopted_source(env):
    env.vim()
    assert env.dot("manage", "vim").exit_code == 0
    user_files(env.home)
    assert env.dot("adopt", str(env.home / ".config/nvim")).exit_code == 0
    pin_dates(env)

    listed = env.dot("list")
    status = env.dot("status")

    assert listed.exit_code == 0
    assert listed.stdout == (
        "nvim      1 link  installed 2026-01-02 03:04:05 UTC  (adopted)\n"
        "vim      2 links  installed 2026-01-02 03:04:05 UTC\n"
    )
    assert status.stdout == (
        "nvim (adopted, installed 2026-01-02 03:04:05 UTC): 1 link, 1 ok\n"
        "  ok            .config/nvim -> ../../dotfiles/nvim/dot-config/nvim\n"
        "vim (managed, installed 2026-01-02 03:04:05 UTC): 2 links, 2 ok\n"
        "  ok            .vim -> ../dotfiles/vim/dot-vim\n"
        "  ok            .vimrc -> ../dotfiles/vim/dot-vimrc\n"
        "2 packages, 3 links: 3 ok\n"
    )
    doc = status_document(env)
    assert [(p["name"], p["source"]) for p in doc["packages"]] == [
        ("nvim", "adopted"),
        ("vim", "managed"),
    ]
    assert doc["packages"][0]["links"] == [
        {
            "path": ".config/nvim",
            "text": "../../dotfiles/nvim/dot-config/nvim",
            "source": "dot-config/nvim",
            "kind": "dir",
            "health": "ok",
            "actual": "",
        }
    ]
    listed_json = json.loads(env.dot("list", "--format", "json").stdout)
    assert [(p["name"], p["source"]) for p in listed_json["packages"]] == [
        ("nvim", "adopted"),
        ("vim", "managed"),
    ]


def test_adopted_package_is_healthy_for_doctor_and_remanage(env):
    user_files(env.home)
    assert env.dot("adopt", str(env.home / ".vimrc")).exit_code == 0

    doctor = env.dot("doctor")
    remanage = env.dot("remanage", "vimrc")

    assert doctor.exit_code == 0
    # The user's own link inside ~/.config/nvim is seen and left alone.
    assert doctor.stdout == "healthy: no problems; 2 links checked (depth 5)\n"
    assert remanage.exit_code == 0
    env.expect(remanage.stdout, "remanage vimrc: up to date, no changes ({elapsed})\n")


# --- errors: one line, an exit code, nothing changed ----------------------------------


def error_case(env, args, code, message):
    before = env.state()

    result = env.dot(*args)

    assert result.exit_code == code, result.stdout + result.stderr
    assert result.stdout == ""
    assert one_error_line(result.stderr) == message
    assert env.state() == before


def test_error_path_outside_the_target(env):
    outside = env.root / "outside.conf"
    outside.write_text("x\n")

    error_case(
        env, ["adopt", str(outside)], 1, f"{outside} is not inside the target {env.real_home}"
    )
    assert outside.read_text() == "x\n"


def test_error_the_target_itself(env):
    error_case(
        env, ["adopt", str(env.home)], 1, f"{env.home} is not inside the target {env.real_home}"
    )


def test_error_missing_path(env):
    missing = env.home / ".nope"

    error_case(
        env, ["adopt", str(missing)], 1, f"nothing to adopt at {missing}: no such file or directory"
    )


def test_error_missing_path_among_good_ones_changes_nothing(env):
    (env.home / ".vimrc").write_text("v\n")
    missing = env.home / ".nope"

    error_case(
        env,
        ["adopt", "-p", "x", str(env.home / ".vimrc"), str(missing)],
        1,
        f"nothing to adopt at {missing}: no such file or directory",
    )
    assert not (env.dir / "x").exists()


def test_error_a_path_already_linked_by_dot(env):
    env.vim()
    assert env.dot("manage", "vim").exit_code == 0

    error_case(
        env,
        ["adopt", str(env.home / ".vimrc")],
        1,
        f"{env.home}/.vimrc is already a link into the package directory (package vim)",
    )


def test_error_a_path_inside_a_folded_link(env):
    """~/.vim is dot's folded link: its contents are the package's own files."""
    env.vim()
    assert env.dot("manage", "vim").exit_code == 0

    error_case(
        env,
        ["adopt", str(env.home / ".vim/colors/x.vim")],
        1,
        f"{env.home}/.vim/colors/x.vim is inside the package directory {env.real_dir}",
    )


def test_error_a_path_inside_the_package_directory(env):
    env.vim()

    error_case(
        env,
        ["adopt", "-p", "x", str(env.dir / "vim" / "dot-vimrc")],
        1,
        f"{env.dir}/vim/dot-vimrc is inside the package directory {env.real_dir}",
    )


def test_error_the_package_already_has_a_file_of_that_name(env):
    env.vim()
    (env.dir / "vim" / "dot-gvimrc").write_text("package's\n")
    (env.home / ".gvimrc").write_text("mine\n")

    error_case(
        env,
        ["adopt", "-p", "vim", str(env.home / ".gvimrc")],
        1,
        "package vim already has dot-gvimrc; to replace it with .gvimrc, run "
        "`dot manage vim --on-conflict adopt`",
    )
    assert (env.home / ".gvimrc").read_text() == "mine\n"
    assert (env.dir / "vim" / "dot-gvimrc").read_text() == "package's\n"


def test_error_a_directory_holding_ignored_entries(env):
    project = env.home / ".proj"
    (project / ".git").mkdir(parents=True)
    (project / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (project / "a").write_text("a\n")

    error_case(
        env,
        ["adopt", str(project)],
        1,
        "cannot adopt .proj: it holds entries dot ignores (dot-proj/.git); they would move "
        "into the package without being linked back. Remove them first, or adopt the other "
        "entries one by one",
    )


def test_error_a_name_starting_with_dot_dash(env):
    (env.home / "dot-foo").write_text("x\n")

    error_case(
        env,
        ["adopt", str(env.home / "dot-foo")],
        1,
        "cannot adopt dot-foo: the name 'dot-foo' starts with 'dot-', which dot would "
        "translate to '.' (use --no-dotfiles)",
    )


def test_error_a_directory_holding_a_name_starting_with_dot_dash(env):
    (env.home / ".dd").mkdir()
    (env.home / ".dd" / "dot-x").write_text("x\n")

    error_case(
        env,
        ["adopt", str(env.home / ".dd")],
        1,
        "cannot adopt .dd: dot-dd/dot-x starts with 'dot-', which dot would translate to "
        "'.' (use --no-dotfiles)",
    )


def test_no_dotfiles_adopts_a_name_starting_with_dot_dash(env):
    (env.home / "dot-foo").write_text("x\n")

    result = env.dot("adopt", "-p", "foo", str(env.home / "dot-foo"), "--no-dotfiles")

    assert result.exit_code == 0, result.stderr
    assert os.readlink(env.home / "dot-foo") == "../dotfiles/foo/dot-foo"


def test_error_dots_own_state(env):
    env.vim()
    assert env.dot("manage", "vim").exit_code == 0

    error_case(
        env,
        ["adopt", str(env.manifest)],
        1,
        f"cannot adopt {env.manifest}: it is dot's own state",
    )


def test_error_one_path_inside_another(env):
    user_files(env.home)

    error_case(
        env,
        ["adopt", str(env.home / ".mydir/run.sh"), str(env.home / ".mydir")],
        2,
        ".mydir/run.sh is inside .mydir: adopt one or the other",
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("../x", "package name '../x' must not contain a path separator"),
        (".", "'.' is not a package name"),
    ],
)
def test_error_a_bad_package_name(env, name, message):
    (env.home / ".vimrc").write_text("v\n")

    error_case(env, ["adopt", "-p", name, str(env.home / ".vimrc")], 2, message)


def test_error_no_arguments(env):
    error_case(env, ["adopt"], 2, "Missing argument '[PKG] PATH...'. (see 'dot adopt --help')")


def test_error_json_document(env):
    missing = env.home / ".nope"

    result = env.dot("adopt", str(missing), "--format", "json")

    assert result.exit_code == 1
    message = f"nothing to adopt at {missing}: no such file or directory"
    assert json.loads(result.stdout) == {"error": {"message": message, "exit_code": 1}}
    assert result.stderr == f"dot: error: {message}\n"


# --- the round trip -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "package"),
    [
        ([".vimrc"], "vimrc"),
        ([".config/nvim"], "nvim"),
        ([".ssh/config"], "ssh"),
        ([".mydir"], "mydir"),
        (["-p", "mine", ".vimrc", ".mydir", ".config/nvim", ".ssh/config"], "mine"),
    ],
    ids=["file", "directory-in-.config", "file-in-.ssh", "directory", "several"],
)
def test_adopt_then_unmanage_leaves_the_users_files_as_they_were(env, args, package):
    user_files(env.home)
    home_before = env.tree_state(env.home, mtimes=False)
    paths = [a if a.startswith("-") or a == package else str(env.home / a) for a in args]
    items = [a for a in args if a.startswith(".")]
    copies = {a: env.tree_state(env.home / a, mtimes=False) for a in items}

    adopted = env.dot("adopt", *paths)
    assert adopted.exit_code == 0, adopted.stderr
    result = env.dot("unmanage", package)

    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    env.expect(
        result.stdout,
        f"unmanage {package}: {2 * len(items)} operations "
        f"(unlink {len(items)}, copy {len(items)}) in {{elapsed}}\n",
    )
    # Content and modes of every file and directory, directories' own modes included.
    assert env.tree_state(env.home, mtimes=False) == home_before
    # The package keeps its copy.
    for item, tree in copies.items():
        source = "/".join("dot-" + p[1:] if p.startswith(".") else p for p in item.split("/"))
        assert env.tree_state(env.dir / package / source, mtimes=False) == tree
    assert env.dot("list").stdout == f"nothing installed in {env.real_home}\n"


def test_the_round_trip_keeps_a_file_mode_and_content_byte_for_byte(env):
    secret = env.home / ".netrc"
    secret.write_bytes(b"machine x\x00\xff login me\n")
    secret.chmod(0o600)

    assert env.dot("adopt", "-p", "net", str(secret)).exit_code == 0
    assert stat.S_IMODE(os.lstat(env.dir / "net" / "dot-netrc").st_mode) == 0o600
    assert env.dot("unmanage", "net").exit_code == 0

    assert not secret.is_symlink()
    assert secret.read_bytes() == b"machine x\x00\xff login me\n"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600


# --- regressions: bugs found while writing these tests -----------------------------------


UNFOLDED = pytest.mark.parametrize(
    ("path", "flags"), [(".ssh", []), (".mydir", ["--no-folding"])], ids=["no-fold-list", "flag"]
)


@UNFOLDED
def test_adopting_an_unfolded_directory_round_trips(env, path, flags):
    """Was: a directory that is not folded (~/.ssh is on the no-fold list, or
    --no-folding) got its entries linked, and `unmanage` removed the links and the
    directory but copied nothing back: ~/.ssh vanished from the target."""
    user_files(env.home)
    home_before = env.tree_state(env.home, mtimes=False)

    adopted = env.dot("adopt", str(env.home / path), *flags)
    assert adopted.exit_code == 0, adopted.stderr
    result = env.dot("unmanage", path[1:], *flags)

    assert result.exit_code == 0, result.stderr
    assert env.tree_state(env.home, mtimes=False) == home_before


@UNFOLDED
def test_adopting_an_unfolded_directory_keeps_its_mode_in_the_target(env, path, flags):
    """Was: the directory dot recreated in the target had the default mode, so a
    0700 ~/.ssh became 0755 while adopted."""
    user_files(env.home)

    adopted = env.dot("adopt", str(env.home / path), *flags)

    assert adopted.exit_code == 0, adopted.stderr
    assert not (env.home / path).is_symlink()
    assert stat.S_IMODE(os.lstat(env.home / path).st_mode) == 0o700


@pytest.mark.parametrize(
    ("name", "source"), [("README.md", "README.md"), (".notes~", "dot-notes~")]
)
def test_adopting_a_file_whose_package_name_is_ignored_is_refused(env, name, source):
    """Was: ~/README.md (matching /README*) or ~/.notes~ (matching *~) was adopted, and
    the next `remanage` unlinked it, so it vanished from the target for good."""
    (env.home / name).write_text("n\n")
    before = env.state()

    result = env.dot("adopt", "-p", "notes", str(env.home / name))
    env.dot("remanage", "notes")

    assert result.exit_code == 1
    message = one_error_line(result.stderr)
    assert message.startswith(f"cannot adopt {name}: ")
    assert f" {source}, which dot ignores" in message
    assert env.state() == before
    assert (env.home / name).read_text() == "n\n"


def test_package_then_path_into_an_existing_package_from_the_package_directory(env):
    """Was: run from the package directory (the default --dir), an existing package
    `vim` is also an existing path, so `dot adopt vim ~/.gvimrc` tried to adopt the
    package directory itself and failed."""
    env.vim()
    (env.home / ".gvimrc").write_text("g\n")

    result = env.dot("adopt", "vim", str(env.home / ".gvimrc"))

    assert result.exit_code == 0, result.stderr
    assert os.readlink(env.home / ".gvimrc") == "../dotfiles/vim/dot-gvimrc"
    assert (env.dir / "vim" / "dot-gvimrc").read_text() == "g\n"
