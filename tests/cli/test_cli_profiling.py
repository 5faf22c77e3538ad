"""The profiling options: they wrap any command, write readable profiles, change nothing else."""

from __future__ import annotations

import importlib.util
import json
import os
import pstats
import re
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from dot.cli import profiling

HAS_PYINSTRUMENT = importlib.util.find_spec("pyinstrument") is not None
needs_pyinstrument = pytest.mark.skipif(not HAS_PYINSTRUMENT, reason="pyinstrument not installed")

ELAPSED = r"\d+ ms|\d+\.\d s"  # as in the CLI conftest
MANY = {f"dot-file{i}": f"{i}\n" for i in range(150)}  # enough for a thread pool


def normalised(text: str):
    """`text` with run durations replaced, so two runs can be compared exactly."""
    text = re.sub(ELAPSED, "{elapsed}", text)
    return re.sub(r'"elapsed_ms": [0-9.]+', '"elapsed_ms": 0', text)


def site_lines(path: Path):
    return [line for line in path.read_text().splitlines() if not line.startswith("#")]


def function_names(path: Path):
    return {name for _file, _line, name in pstats.Stats(str(path)).stats}


# --- each profile is written and readable ---------------------------------------------


def test_cpuprofile_is_a_pstats_file_of_the_command(env):
    env.vim()
    out = env.root / "cpu.prof"

    result = env.dot("manage", "vim", "--cpuprofile", str(out))

    assert result.exit_code == 0
    stats = pstats.Stats(str(out))
    assert stats.total_calls > 0
    assert "manage" in function_names(out)
    assert env.links(env.home) == {
        ".vim": "../dotfiles/vim/dot-vim",
        ".vimrc": "../dotfiles/vim/dot-vimrc",
    }


def test_memprofile_is_a_tracemalloc_snapshot_plus_the_top_sites(env):
    env.vim()
    out = env.root / "mem.snap"

    result = env.dot("manage", "vim", "--memprofile", str(out))

    assert result.exit_code == 0
    snapshot = tracemalloc.Snapshot.load(str(out))
    assert snapshot.traces
    text = Path(f"{out}.txt").read_text()
    assert text.startswith("# dot memory profile: top 20 allocation sites")
    sites = site_lines(Path(f"{out}.txt"))
    assert 1 <= len(sites) <= 20
    assert all(re.fullmatch(r".+:\d+: size=[0-9.]+ (B|KiB|MiB|GiB) count=\d+", s) for s in sites)


def test_threadprofile_names_every_thread_with_its_stack(env):
    env.vim()
    out = env.root / "threads.txt"

    result = env.dot("manage", "vim", "--threadprofile", str(out))

    assert result.exit_code == 0
    text = out.read_text()
    assert text.startswith("# dot thread dump: ")
    assert 'Thread "MainThread" ident=' in text
    assert re.search(r'File ".*app\.py", line \d+, in wrapper', text)
    assert "dot/cli/profiling.py" not in text  # the dump's own frames are left out


@needs_pyinstrument
def test_profile_html_is_a_pyinstrument_report(env):
    env.vim()
    out = env.root / "report.html"

    result = env.dot("manage", "vim", "--profile-html", str(out))

    assert result.exit_code == 0
    html = out.read_text()
    assert html.lstrip().lower().startswith("<!doctype html")
    assert "pyinstrument" in html


def test_the_cpu_profile_includes_the_executor_worker_threads(env):
    env.package("many", MANY)
    out = env.root / "cpu.prof"

    result = env.dot("manage", "many", "--jobs", "2", "--no-folding", "--cpuprofile", str(out))

    assert result.exit_code == 0
    assert len(env.links(env.home)) == len(MANY)
    assert "_worker" in function_names(out)  # concurrent.futures' worker loop


def test_a_relative_path_is_relative_to_the_current_directory(env):
    env.vim()

    result = env.dot("manage", "vim", "--cpuprofile", "rel.prof")

    assert result.exit_code == 0
    pstats.Stats(str(env.dir / "rel.prof"))


def test_the_environment_variable_asks_for_a_profile(env, monkeypatch: pytest.MonkeyPatch):
    env.vim()
    out = env.root / "env.txt"
    monkeypatch.setenv("DOT_THREADPROFILE", str(out))

    result = env.dot("status")

    assert result.exit_code == 0
    assert 'Thread "MainThread"' in out.read_text()


# --- before and after the command name --------------------------------------------------


@pytest.mark.parametrize(
    "where",
    [
        pytest.param(lambda f: ["--cpuprofile", f, "manage", "vim"], id="before"),
        pytest.param(lambda f: ["manage", "vim", "--cpuprofile", f], id="after"),
        pytest.param(lambda f: ["manage", "--dry-run", "--cpuprofile", f, "vim"], id="between"),
        pytest.param(
            lambda f: [f"--cpuprofile={f}.unused", "manage", f"--cpuprofile={f}", "vim"],
            id="after-wins",
        ),
    ],
)
def test_profiling_flags_are_global_options(env, where):
    env.vim()
    out = env.root / "cpu.prof"

    result = env.dot(*where(str(out)))

    assert result.exit_code == 0
    assert "manage" in function_names(out)
    assert not Path(f"{out}.unused").exists()


def test_several_profiles_at_once(env):
    env.vim()
    files = {"--cpuprofile": "c.prof", "--memprofile": "m.snap", "--threadprofile": "t.txt"}
    if HAS_PYINSTRUMENT and not profiling.SHARED_HOOK:
        files["--profile-html"] = "p.html"
    args = [item for flag, name in files.items() for item in (flag, str(env.root / name))]

    result = env.dot("manage", "vim", *args)

    assert result.exit_code == 0
    assert "manage" in function_names(env.root / "c.prof")
    tracemalloc.Snapshot.load(str(env.root / "m.snap"))
    assert 'Thread "MainThread"' in (env.root / "t.txt").read_text()
    if "--profile-html" in files:
        assert "pyinstrument" in (env.root / "p.html").read_text()


# --- the command's output and exit code are untouched ----------------------------------


PROFILES = {
    "cpu": ["--cpuprofile", "{root}/p.prof"],
    "memory": ["--memprofile", "{root}/p.snap"],
    "threads": ["--threadprofile", "{root}/p.txt"],
    "html": ["--profile-html", "{root}/p.html"],
    "memory+threads+cpu": [
        "--memprofile",
        "{root}/p.snap",
        "--threadprofile",
        "{root}/p.txt",
        "--cpuprofile",
        "{root}/p.prof",
    ],
}

COMMANDS = {
    "manage": ["manage", "vim"],
    "manage-verbose-dry-run": ["manage", "vim", "-n", "-vv"],
    "manage-json": ["manage", "vim", "--format", "json"],
    "status": ["status"],
    "version": ["version"],
}


def _profile_args(env, name: str):
    return [arg.format(root=env.root) for arg in PROFILES[name]]


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("command", COMMANDS)
def test_output_and_exit_code_are_the_same_with_profiling(env, profile: str, command: str):
    if profile == "html" and not HAS_PYINSTRUMENT:
        pytest.skip("pyinstrument not installed")
    env.vim()
    before = env.state(mtimes=False)

    plain = env.dot(*COMMANDS[command])
    after_plain = env.links(env.home), env.tree_state(env.dir)
    if command.startswith("manage") and "-n" not in COMMANDS[command]:
        assert env.dot("unmanage", "vim").exit_code == 0
    assert env.state(mtimes=False) == before
    profiled = env.dot(*COMMANDS[command], *_profile_args(env, profile))

    assert profiled.exit_code == plain.exit_code == 0
    assert normalised(profiled.stdout) == normalised(plain.stdout)
    assert profiled.stderr == plain.stderr
    assert (env.links(env.home), env.tree_state(env.dir)) == after_plain
    if command == "manage-json":
        json.loads(profiled.stdout)


# --- a failing command still leaves its profile ----------------------------------------


def test_a_conflict_exits_3_with_the_same_output_and_still_writes_the_profiles(env):
    env.vim()
    (env.home / ".vimrc").write_text("mine\n")
    before = env.state()
    plain = env.dot("manage", "vim")
    args = _profile_args(env, "memory+threads+cpu")

    profiled = env.dot("manage", "vim", *args)

    assert profiled.exit_code == plain.exit_code == 3
    assert profiled.stdout == plain.stdout
    assert profiled.stderr == plain.stderr
    assert profiled.stderr.startswith("dot: error: 1 conflict with policy 'fail'")
    assert env.state() == before
    assert "manage" in function_names(env.root / "p.prof")
    tracemalloc.Snapshot.load(str(env.root / "p.snap"))
    assert site_lines(env.root / "p.snap.txt")
    assert 'Thread "MainThread"' in (env.root / "p.txt").read_text()


def test_a_missing_package_exits_5_and_still_writes_the_profile(env):
    out = env.root / "cpu.prof"

    result = env.dot("manage", "nope", "--cpuprofile", str(out))

    assert result.exit_code == 5
    assert result.stderr.startswith("dot: error: ")
    assert "nope" in result.stderr
    assert pstats.Stats(str(out)).total_calls > 0


def test_a_usage_error_from_the_command_exits_2_and_still_writes_the_profile(env):
    out = env.root / "threads.txt"
    plain = env.dot("manage", "../up")

    result = env.dot("manage", "../up", "--threadprofile", str(out))

    assert result.exit_code == plain.exit_code == 2
    assert result.stderr == plain.stderr
    assert 'Thread "MainThread"' in out.read_text()


@needs_pyinstrument
def test_a_failing_command_still_writes_the_html_report(env):
    out = env.root / "report.html"

    result = env.dot("unmanage", "nope", "--profile-html", str(out))

    assert result.exit_code == 5
    assert "pyinstrument" in out.read_text()


# --- a profile that cannot be written: an error before anything runs --------------------


def test_a_missing_directory_is_an_error_before_the_command_runs(env):
    env.vim()
    before = env.state()
    out = env.root / "missing" / "cpu.prof"

    result = env.dot("manage", "vim", "--cpuprofile", str(out))

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (f"dot: error: cannot write profile {out}: No such file or directory\n")
    assert env.state() == before
    assert not out.parent.exists()


def test_a_directory_as_the_profile_is_an_error(env):
    env.vim()
    before = env.state()
    out = env.root / "adir"
    out.mkdir()

    result = env.dot("manage", "vim", "--threadprofile", str(out))

    assert result.exit_code == 1
    assert result.stderr == f"dot: error: cannot write profile {out}: Is a directory\n"
    assert env.state() == before
    assert list(out.iterdir()) == []


def test_an_unwritable_memprofile_text_file_leaves_no_other_profile_behind(env):
    env.vim()
    before = env.state()
    (env.root / "m.snap.txt").mkdir()  # FILE.txt cannot be written

    result = env.dot(
        "manage", "vim", "--cpuprofile", str(env.root / "c.prof"),
        "--memprofile", str(env.root / "m.snap"),
    )  # fmt: skip

    assert result.exit_code == 1
    assert result.stderr == (
        f"dot: error: cannot write profile {env.root}/m.snap.txt: Is a directory\n"
    )
    assert env.state() == before
    assert not (env.root / "c.prof").exists()
    assert not (env.root / "m.snap").exists()


def test_an_existing_profile_is_kept_when_another_cannot_be_written(env):
    env.vim()
    old = env.root / "c.prof"
    old.write_bytes(b"old")

    result = env.dot(
        "manage", "vim", "--cpuprofile", str(old),
        "--threadprofile", str(env.root / "no" / "t.txt"),
    )  # fmt: skip

    assert result.exit_code == 1
    assert old.read_bytes() == b"old"


def test_a_permission_denied_profile_exits_4(env, unprivileged):
    env.vim()
    readonly = env.root / "ro"
    readonly.mkdir()
    readonly.chmod(0o555)
    before = env.state()
    try:
        with unprivileged():
            result = env.dot("manage", "vim", "--cpuprofile", str(readonly / "cpu.prof"))
    finally:
        readonly.chmod(0o755)

    assert result.exit_code == 4
    assert result.stdout == ""
    assert result.stderr == (
        f"dot: error: cannot write profile {readonly}/cpu.prof: Permission denied\n"
    )
    assert env.state() == before
    assert list(readonly.iterdir()) == []


def test_two_profiles_into_one_file_is_a_usage_error(env):
    env.vim()
    before = env.state()
    out = str(env.root / "same")

    result = env.dot("manage", "vim", "--cpuprofile", out, "--threadprofile", out)

    assert result.exit_code == 2
    assert result.stderr == f"dot: error: --cpuprofile and --threadprofile both write {out}\n"
    assert env.state() == before


@pytest.mark.skipif(not profiling.SHARED_HOOK, reason="Python 3.12+ runs both profilers")
def test_cpuprofile_and_profile_html_together_before_python_3_12_is_a_usage_error(
    env,
):
    env.vim()
    before = env.state()

    result = env.dot(
        "manage", "vim", "--cpuprofile", str(env.root / "c.prof"),
        "--profile-html", str(env.root / "p.html"),
    )  # fmt: skip

    assert result.exit_code == 2
    assert result.stderr.startswith(
        "dot: error: --cpuprofile and --profile-html cannot be combined before Python 3.12"
    )
    assert env.state() == before
    assert not (env.root / "c.prof").exists()


def test_profile_html_without_pyinstrument_says_how_to_get_it(env, monkeypatch: pytest.MonkeyPatch):
    env.vim()
    before = env.state()
    monkeypatch.setitem(sys.modules, "pyinstrument", None)  # import fails
    out = env.root / "p.html"

    result = env.dot("manage", "vim", "--profile-html", str(out))

    assert result.exit_code == 1
    assert result.stderr == (
        "dot: error: --profile-html needs pyinstrument, which is not installed "
        "(pip install pyinstrument; it cannot load from inside dot.pyz)\n"
    )
    assert env.state() == before
    assert not out.exists()


def _failing_write(self):
    raise profiling.unwritable(self.path, OSError(28, "No space left on device"))


def test_a_profile_that_fails_to_write_after_success_is_an_error(env, monkeypatch):
    env.vim()
    monkeypatch.setattr(profiling.ThreadDump, "write", _failing_write)
    out = env.root / "t.txt"

    result = env.dot("manage", "vim", "--threadprofile", str(out))

    assert result.exit_code == 1
    assert result.stderr == f"dot: error: cannot write profile {out}: No space left on device\n"
    assert set(env.links(env.home)) == {".vim", ".vimrc"}  # the command itself ran


def test_a_profile_that_fails_to_write_after_a_failure_keeps_the_commands_error(env, monkeypatch):
    env.vim()
    (env.home / ".vimrc").write_text("mine\n")
    plain = env.dot("manage", "vim")
    monkeypatch.setattr(profiling.ThreadDump, "write", _failing_write)
    out = env.root / "t.txt"

    result = env.dot("manage", "vim", "--threadprofile", str(out), "--cpuprofile", f"{out}.prof")

    assert result.exit_code == 3
    assert result.stderr == (
        f"dot: warning: cannot write profile {out}: No space left on device\n" + plain.stderr
    )
    assert "manage" in function_names(Path(f"{out}.prof"))  # the others are still written


# --- start-up cost -----------------------------------------------------------------------


def test_no_profiler_is_imported_unless_asked_for(tmp_path: Path):
    code = (
        "import sys\n"
        "from dot.cli import app\n"
        "try:\n"
        "    app.main(['version'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "found = [m for m in ('cProfile', '_lsprof', 'pstats', 'tracemalloc', 'pyinstrument')"
        " if m in sys.modules]\n"
        "print('imported:', found, file=sys.stderr)\n"
    )
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DOT_")}
    environ["HOME"] = str(tmp_path)
    source = str(Path(profiling.__file__).resolve().parents[2])  # the dir holding `dot`
    environ["PYTHONPATH"] = os.pathsep.join(filter(None, [source, environ.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=environ,
        cwd=tmp_path,
        check=True,
    )
    assert result.stderr.strip() == "imported: []"
