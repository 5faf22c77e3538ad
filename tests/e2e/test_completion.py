"""Shell completion through the installed script, as a shell would call it.

The scripts `dot completion SHELL` prints make the shell re-run `dot` with
`_DOT_COMPLETE=<shell>_complete` and the words typed so far; these tests do the same.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from test_installed import DOT, World

pytestmark = pytest.mark.skipif(
    not DOT.exists(), reason="the `dot` console script is not installed"
)


@pytest.fixture
def world(tmp_path) -> World:  # type: ignore[no-untyped-def]
    world = World(tmp_path)
    world.write({"vim/dot-vimrc": "v\n", "vimium/x": "x\n", "zsh/dot-zshrc": "z\n"})
    world.write({".git/HEAD": "ref\n", "_drafts/x": "x\n", "README.md": "r\n"})
    return world


def complete(world: World, line: str, cwd: Path | None = None, **env: str) -> list[str]:
    """Candidates bash would get for `line` (completing its last word), run in `cwd`
    (default: the package directory)."""
    words = line.split(" ")
    result = subprocess.run(
        [str(DOT)],
        cwd=cwd or world.dir,
        env={
            **world.env,
            **env,
            "_DOT_COMPLETE": "bash_complete",
            "COMP_WORDS": line,
            "COMP_CWORD": str(len(words) - 1),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [row.split(",", 1)[1] for row in result.stdout.splitlines()]


@pytest.mark.parametrize(
    ("shell", "marker"),
    [("bash", "complete -o nosort -F _dot_completion dot"), ("zsh", "#compdef dot"),
     ("fish", "complete --no-files --command dot")],
)  # fmt: skip
def test_the_script_for_each_shell(world: World, shell: str, marker: str) -> None:
    result = world.run("completion", shell)
    assert result.returncode == 0 and result.stderr == ""
    assert marker in result.stdout and "_DOT_COMPLETE" in result.stdout


def test_manage_completes_the_packages_of_the_package_directory(world: World) -> None:
    assert complete(world, "dot manage ") == ["vim", "vimium", "zsh"]  # no .git, _drafts
    assert complete(world, "dot manage vi") == ["vim", "vimium"]
    elsewhere = world.root / "other"
    (elsewhere / "tmux").mkdir(parents=True)
    assert complete(world, f"dot -d {elsewhere} manage ") == ["tmux"]
    assert complete(world, "dot manage ", DOT_DIR=str(elsewhere)) == ["tmux"]


def test_unmanage_completes_installed_packages_from_the_manifest(world: World) -> None:
    assert complete(world, "dot unmanage ") == ["vim", "vimium", "zsh"]  # none installed yet
    assert world.run("manage", "zsh").returncode == 0
    assert complete(world, "dot unmanage ") == ["zsh"]
    assert complete(world, "dot remanage z") == ["zsh"]
    assert complete(world, "dot status ") == ["zsh"]


def test_a_broken_manifest_means_no_installed_suggestions_not_an_error(world: World) -> None:
    (world.home / ".dot-manifest.json").write_text("{not json")
    assert complete(world, "dot unmanage ") == ["vim", "vimium", "zsh"]


def test_json_only_when_asked_for_on_the_command_line(world: World) -> None:
    doc = json.loads(world.run("completion", "fish", "--format", "json").stdout)
    assert doc["shell"] == "fish" and "complete --no-files --command dot" in doc["script"]
    script = world.run("completion", "bash").stdout
    (world.root / "xdg" / "dot").mkdir(parents=True)
    (world.root / "xdg" / "dot" / "config.toml").write_text('format = "json"\n')
    assert world.run("completion", "bash").stdout == script  # the setting is not used
    assert json.loads(world.run("list").stdout)["packages"] == []  # though it is read
    world.env["DOT_FORMAT"] = "json"
    assert world.run("completion", "bash").stdout == script


def test_the_package_directory_comes_from_the_configuration_too(world: World) -> None:
    """config.toml, then a .stowrc: completion looks where a run would look."""
    elsewhere = world.root / "configured"
    (elsewhere / "tmux").mkdir(parents=True)
    outside = world.root / "cwd"
    outside.mkdir()
    config = (world.root / "xdg") / "dot" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'dir = "{elsewhere}"\n')
    assert complete(world, "dot manage ", cwd=outside) == ["tmux"]
    config.unlink()
    (world.home / ".stowrc").write_text(f"--dir={elsewhere}\n")
    assert complete(world, "dot manage t", cwd=outside) == ["tmux"]
    # A flag typed on the line still wins.
    assert complete(world, f"dot -d {world.dir} manage v", cwd=outside) == ["vim", "vimium"]


def test_a_broken_config_file_still_completes_from_what_was_typed(world: World) -> None:
    config = (world.root / "xdg") / "dot" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("dir = [not toml\n")
    assert complete(world, "dot manage z") == ["zsh"]
