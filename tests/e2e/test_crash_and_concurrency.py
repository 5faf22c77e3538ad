"""The real `dot` process killed with SIGKILL mid-run, and two runs at once.

After a kill at a random moment, the next command (`dot status`) must find the
target exactly as before the run or exactly as after it, and `dot manage` must
then complete correctly. Two concurrent runs on one target never interleave.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import real_tree

PACKAGES = 100
FILES = 100
KILLS = 20


def dot(*args: str, home: Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(home), "NO_COLOR": "1", "XDG_CONFIG_HOME": str(home / "cfg")}
    return subprocess.run(  # type: ignore[call-overload,no-any-return]
        [sys.executable, "-m", "dot", *args], capture_output=True, text=True, env=env, **kwargs
    )


def spawn(*args: str, home: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "HOME": str(home), "NO_COLOR": "1", "XDG_CONFIG_HOME": str(home / "cfg")}
    return subprocess.Popen(
        [sys.executable, "-m", "dot", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """100 packages x 100 files; --no-folding makes that about 10,100 operations."""
    root = tmp_path_factory.mktemp("crash")
    for p in range(PACKAGES):
        base = root / "dotfiles" / f"p{p:03d}" / "dot-config" / f"app{p:03d}"
        base.mkdir(parents=True)
        for f in range(FILES):
            (base / f"f{f:03d}.conf").write_text(f"{p} {f}\n")
    return root


def fresh_target(root: Path) -> Path:
    target = root / "home"
    if target.exists():
        shutil.rmtree(target)
    target.mkdir()
    (target / ".profile").write_text("the user's own file\n")
    return target


def manage_args(root: Path) -> list[str]:
    names = [f"p{p:03d}" for p in range(PACKAGES)]
    return [
        "-d",
        str(root / "dotfiles"),
        "-t",
        str(root / "home"),
        "--no-folding",
        "manage",
        *names,
    ]


def test_sigkill_at_random_moments_leaves_before_or_after(repo: Path) -> None:
    target = fresh_target(repo)
    before = real_tree(str(target), state=True)
    started = time.perf_counter()
    done = dot(*manage_args(repo), home=target)
    duration = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    after = real_tree(str(target))
    assert len([v for v in after.values() if v[0] == "link"]) == PACKAGES * FILES

    rng = random.Random(20261125)
    outcomes = {"before": 0, "after": 0, "rolled back mid-run": 0}
    for attempt in range(KILLS):
        target = fresh_target(repo)
        process = spawn(*manage_args(repo), home=target)
        if attempt % 2:
            # Any moment of the run: start-up, planning, executing, committing.
            time.sleep(rng.uniform(0.05, 1.1 * duration))
        else:
            # While it changes the target: its journal exists from the first write.
            deadline = time.monotonic() + 30
            while not (target / ".dot-journal").exists() and process.poll() is None:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.001)
            time.sleep(rng.uniform(0, 0.1))
        process.send_signal(signal.SIGKILL)
        process.wait()
        status = dot("-d", str(repo / "dotfiles"), "-t", str(target), "status", home=target)
        assert status.returncode == 0, status.stderr
        assert "Traceback" not in status.stderr
        if "rolled it back" in status.stderr and "(0 operations undone)" not in status.stderr:
            outcomes["rolled back mid-run"] += 1
        now = real_tree(str(target), state=True)
        if now == before:
            outcomes["before"] += 1
        else:
            assert real_tree(str(target)) == after, "neither before nor after the run"
            assert not (target / ".dot-journal").exists()
            outcomes["after"] += 1
        finished = dot(*manage_args(repo), home=target)
        assert finished.returncode == 0, finished.stderr
        assert real_tree(str(target)) == after
    # The kills must have hit runs in the middle of changing the target.
    assert outcomes["rolled back mid-run"] >= KILLS // 4, outcomes


def test_two_runs_on_one_target_never_interleave(repo: Path) -> None:
    target = fresh_target(repo)
    expected = None
    for wait in ([], ["--wait"]):
        target = fresh_target(repo)
        first = spawn(*manage_args(repo), home=target)
        time.sleep(0.3)  # the first one is planning or executing by now
        second = dot(*wait, *manage_args(repo), home=target)
        _, first_err = first.communicate()
        codes = sorted([first.returncode, second.returncode])
        if wait:
            assert codes == [0, 0], (first_err, second.stderr)
        else:
            assert codes in ([0, 0], [0, 1]), (first_err, second.stderr)
            for code, err in ((first.returncode, first_err), (second.returncode, second.stderr)):
                if code == 1:
                    assert "another dot process is changing" in err
        tree = real_tree(str(target))
        expected = expected or tree
        assert tree == expected
        assert len([v for v in tree.values() if v[0] == "link"]) == PACKAGES * FILES


def test_sigterm_rolls_back_and_exits_130(repo: Path) -> None:
    target = fresh_target(repo)
    before = real_tree(str(target), state=True)
    process = spawn(*manage_args(repo), home=target)
    # Wait until the run is executing (its journal exists), then ask it to stop.
    deadline = time.monotonic() + 20
    while not (target / ".dot-journal").exists() and time.monotonic() < deadline:
        time.sleep(0.002)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate()
    assert process.returncode == 130, err
    assert "interrupted" in err
    assert "rolled back" in err or "nothing was changed" in err
    assert real_tree(str(target), state=True) == before
