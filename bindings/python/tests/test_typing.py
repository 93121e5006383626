"""The stubs and py.typed, checked with mypy: ``--strict`` accepts a user's typed script and
the tests' uses of the API, refuses misuse, and ``stubtest`` finds the stubs true to the
installed extension module."""

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mypy")

HERE = Path(__file__).resolve().parent


def mypy(*args: str, cwd: Path) -> "subprocess.CompletedProcess[str]":
    # From an empty folder, so that the installed package (not the source tree) is checked.
    return subprocess.run([sys.executable, "-m", "mypy", "--no-incremental", *args],
                          cwd=cwd, capture_output=True, text=True)


def test_strict_accepts_a_typed_user_script(tmp_path):
    out = mypy("--strict", str(HERE / "typing" / "user_script.py"), cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_typed_script_runs(tmp_path):
    subprocess.run([sys.executable, str(HERE / "typing" / "user_script.py")], cwd=tmp_path,
                   check=True, capture_output=True)


def test_strict_accepts_the_tests_uses(tmp_path):
    # The tests themselves are not annotated; their calls into wsaccept are checked.
    files = [str(p) for p in sorted(HERE.glob("test_*.py"))]
    out = mypy("--strict", "--allow-untyped-defs", "--allow-incomplete-defs",
               "--allow-untyped-calls", "--allow-any-generics", "--check-untyped-defs", "--ignore-missing-imports",
               *files, cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr


def test_strict_refuses_misuse(tmp_path):
    script = HERE / "typing" / "misuse.py"
    out = mypy("--strict", str(script), cwd=tmp_path)
    marked = [i for i, line in enumerate(script.read_text().splitlines(), 1)
              if line.endswith("# E")]
    flagged = sorted({int(line.split(":")[1]) for line in out.stdout.splitlines()
                      if ": error:" in line})
    assert flagged == marked, out.stdout


def test_stubtest_finds_the_stubs_true(tmp_path):
    out = subprocess.run([sys.executable, "-m", "mypy.stubtest", "wsaccept"],
                         cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
