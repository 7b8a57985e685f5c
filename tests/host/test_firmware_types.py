"""The firmware type-checks against MicroPython's own stubs (not CPython's typeshed).

mypy runs with the stdlib of ``micropython-stdlib-stubs`` as its typeshed and
the port modules of ``micropython-esp32-stubs`` (machine, bluetooth, time,
micropython, ...) on MYPYPATH, so that a call with a keyword a port does not
accept, or a module MicroPython lacks, fails here. Errors inside the stubs
themselves are not ours and are silenced.
"""

import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _stub_roots(dist: str) -> set[Path]:
    try:
        files = metadata.files(dist)
    except metadata.PackageNotFoundError:
        pytest.skip(f"{dist} is not installed (it is in the dev extra)")
    roots = set()
    for f in files or ():
        top = f.parts[0]
        if top.endswith(".dist-info") or top in ("README.md", "LICENSE.md", "pyproject.toml"):
            continue
        roots.add(Path(f.locate()).parents[len(f.parts) - 1] / top)
    return roots


def test_firmware_type_checks_against_micropython_stubs(tmp_path):
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    typeshed = None
    modules = []
    for root in _stub_roots("micropython-esp32-stubs") | _stub_roots("micropython-stdlib-stubs"):
        if root.name == "stdlib":
            typeshed = root.parent  # mypy wants the directory holding stdlib/
            continue
        (stubs / root.name).symlink_to(root)
        modules.append(root.name.removesuffix(".pyi"))
    assert typeshed is not None and "machine" in modules
    silenced = ",".join(sorted(modules) + [m + ".*" for m in sorted(modules)])
    (tmp_path / "mypy.ini").write_text(
        "[mypy]\npython_version = 3.11\nno_site_packages = True\ncheck_untyped_defs = True\n"
        f"cache_dir = {tmp_path / 'cache'}\n"
        f"[mypy-{silenced}]\nfollow_imports = silent\nignore_errors = True\n")
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(tmp_path / "mypy.ini"),
         "--custom-typeshed-dir", str(typeshed), "korsetfw", "main.py"],
        cwd=REPO / "firmware", env=dict(os.environ, MYPYPATH=str(stubs)),
        capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Success" in proc.stdout
