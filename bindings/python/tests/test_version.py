"""One version everywhere: the wsaccept crate's (Cargo.toml at the root), the extension crate's
(bindings/python/Cargo.toml, which maturin makes the package's version), the installed
distribution's and what the module reports."""

import re
from importlib import metadata
from pathlib import Path

import wsaccept

ROOT = Path(__file__).resolve().parents[3]


def package_version(cargo_toml: Path) -> str:
    package = re.search(r"^\[package\]\n(.*?)(?=^\[)", cargo_toml.read_text(), re.S | re.M)
    assert package, cargo_toml
    version = re.search(r'^version = "([^"]+)"', package.group(1), re.M)
    assert version, cargo_toml
    return version.group(1)


def test_one_version():
    crate = package_version(ROOT / "Cargo.toml")
    assert package_version(ROOT / "bindings" / "python" / "Cargo.toml") == crate
    assert wsaccept.version() == wsaccept.__version__ == crate
    assert metadata.version("wsaccept") == crate
