"""What ``pip install ./bindings/python`` promises: the package carries its own native code
(the extension module, the wsaccept library linked in)."""

import os
import subprocess
import sys
from pathlib import Path

import wsaccept

SOURCE_PACKAGE = Path(__file__).resolve().parents[1] / "wsaccept"


def installed() -> bool:
    """Whether the imported module is an installed copy, not the source tree's. (Not "outside
    the repository": tests/run.sh puts its venv under target/, inside the checkout.)"""
    return Path(wsaccept.__file__).resolve().parent != SOURCE_PACKAGE


def test_installed_package_loads_its_bundled_library():
    if not installed():
        import pytest

        pytest.skip("running against the source tree (not installed): nothing bundled")
    package_dir = Path(wsaccept.__file__).resolve().parent
    assert wsaccept.library_path().parent == package_dir
    assert wsaccept.library_path().name.startswith("_libwsaccept")
    assert (package_dir / "py.typed").is_file()


def test_import_from_any_folder_without_environment(tmp_path):
    """A fresh interpreter in an empty folder, with no WSACCEPT_LIB, CARGO_TARGET_DIR or
    PYTHONPATH, imports the same module and computes an accept."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("WSACCEPT_LIB", "CARGO_TARGET_DIR", "PYTHONPATH")}
    code = ("import wsaccept, sys; "
            "sys.stdout.write(wsaccept.accept(b'dGhlIHNhbXBsZSBub25jZQ==').decode() + ' ' "
            "+ str(wsaccept.library_path()))")
    if not installed():
        env["PYTHONPATH"] = str(Path(wsaccept.__file__).resolve().parents[1])
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                         capture_output=True, text=True, check=True).stdout
    accept, path = out.split(" ", 1)
    assert accept == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    assert Path(path) == wsaccept.library_path()


def test_installed_extension_is_one_abi3_build():
    """The extension module is the abi3 build (one wheel for CPython 3.11 and later), from a
    wheel tagged cp311-abi3, and has its stubs beside it."""
    if not installed():
        import pytest

        pytest.skip("running against the source tree (not installed)")
    from importlib import metadata

    assert wsaccept.library_path().name == "_libwsaccept.abi3.so"
    package_dir = Path(wsaccept.__file__).resolve().parent
    assert (package_dir / "_libwsaccept.pyi").is_file()
    wheel = metadata.distribution("wsaccept").read_text("WHEEL") or ""
    tags = [line.split(":", 1)[1].strip() for line in wheel.splitlines() if line.startswith("Tag:")]
    assert tags and all(t.startswith("cp311-abi3-") for t in tags), tags
