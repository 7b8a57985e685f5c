"""The firmware type-checks against each board's own port stubs (not CPython's typeshed).

For every board in ``boards/*.json``, mypy runs over the firmware
(``firmware/korsetfw``, ``firmware/main.py``) with the stdlib of
``micropython-stdlib-stubs`` as its typeshed and the port modules (machine,
bluetooth, time, micropython, ...) of *that board's port's* stub package on
MYPYPATH, so that a call with a keyword, a method or a module the board's port
lacks fails here, as ``test_firmware_type_checks_against_its_ports_stubs[BOARD]``.
Errors inside the stubs themselves are not ours and are silenced.

``PORT_STUBS`` below is the one table from board name to its port's stub
package (exact version and wheel hash). A board file without an entry fails,
so a new board cannot skip the check.

The port stub packages cannot be installed side by side: every one of them
installs the same top-level modules (``machine.pyi``, ``bluetooth.pyi``,
``time.pyi``, ...) into site-packages, so in one environment the last one
installed silently overwrites the others. The dev extra therefore installs
only ``micropython-stdlib-stubs`` (shared by all ports); each port's package
is installed here, once, with ``pip install --no-deps --target`` into its own
directory under ``<sys.prefix>/korset-port-stubs/`` (inside ``.venv``; the
first run needs the package index, later runs reuse it).
"""

import json
import os
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BOARDS = sorted(p.stem for p in (REPO / "boards").glob("*.json"))

# board name -> (its port's stub package, exact version, sha256 of the wheel on PyPI)
PORT_STUBS = {
    "esp32c3-devkitm1-mpu6050": (
        "micropython-esp32-esp32-generic-c3-stubs", "1.29.0.post1",
        "55f1c96e5e47300ee21b0612db89248e93a3708e70595e9d2a50f44c380a9910"),
    "m5stack-atoms3": (
        "micropython-esp32-esp32-generic-s3-stubs", "1.29.0.post1",
        "83f8e8acbc7730585b8bc3761af09c4d140fcccc83821eb74754e059fc3e33c9"),
    "nano-rp2040-connect": (
        "micropython-rp2-arduino-nano-rp2040-connect-stubs", "1.29.0.post1",
        "4118bfb83c4c34da6e30ede5d687d0691eeaed32e3e373be8c06d50f703c90dd"),
    "pico-w-lsm6dsox": (
        "micropython-rp2-rpi-pico-w-stubs", "1.29.0.post1",
        "012fcf1226e7417eef2adbca32a07696e368030fa48c0b859a03febcba0d87ca"),
    "pico2-w-lsm6dsox": (
        "micropython-rp2-rpi-pico2-w-stubs", "1.29.0.post1",
        "7f0dfc0f40c48084f791fd78361f9f2cba946a58d05e404e09181e84502e11d5"),
    # The unix-port virtual board models the ports' machine API; it is checked
    # against the generic ESP32 stubs, as the whole firmware was before per-board checks.
    "virtual": (
        "micropython-esp32-stubs", "1.29.0.post1",
        "c0a72410b9924f51b520534de0dc7f1839ff8f108689aa1e935a0c2b9fcbd96b"),
}


def _stub_roots(dist: metadata.Distribution) -> set[Path]:
    roots = set()
    for f in dist.files or ():
        top = f.parts[0]
        if top.endswith(".dist-info") or top in ("README.md", "LICENSE.md", "pyproject.toml"):
            continue
        roots.add(Path(f.locate()).parents[len(f.parts) - 1] / top)
    return roots


def _stdlib_stubs() -> metadata.Distribution:
    try:
        return metadata.distribution("micropython-stdlib-stubs")
    except metadata.PackageNotFoundError:
        pytest.skip("micropython-stdlib-stubs is not installed (it is in the dev extra)")


def _port_stubs(name: str, version: str, sha256: str) -> metadata.Distribution:
    """The port stub package, installed on its own in <sys.prefix>/korset-port-stubs/."""
    cache = Path(sys.prefix) / "korset-port-stubs"
    if not os.access(sys.prefix, os.W_OK):
        cache = Path(tempfile.gettempdir()) / f"korset-port-stubs-{os.getuid()}"
    target = cache / f"{name}-{version}-{sha256[:12]}"
    if not target.is_dir():
        cache.mkdir(exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".install-", dir=cache))
        (work / "requirements.txt").write_text(f"{name}=={version} --hash=sha256:{sha256}\n")
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile",
             "--only-binary", ":all:", "--require-hashes", "--target", str(work / "stubs"),
             "-r", str(work / "requirements.txt")],
            capture_output=True, text=True)
        assert proc.returncode == 0, (
            f"could not install {name}=={version} into {cache} (needs the package index "
            f"once):\n{proc.stdout}{proc.stderr}")
        try:
            os.rename(work / "stubs", target)  # atomic: a concurrent run may have won
        except OSError:
            assert target.is_dir()
        subprocess.run(["rm", "-rf", str(work)], check=False)
    dists = [d for d in metadata.distributions(path=[str(target)])
             if d.metadata["Name"].lower().replace("_", "-") == name]
    assert len(dists) == 1 and dists[0].version == version, (target, dists)
    return dists[0]


def _mypy(port: metadata.Distribution, tmp_path: Path, cwd: Path, *targets: str):
    """mypy over ``targets`` (in ``cwd``) with MicroPython's stdlib and ``port``'s modules;
    the process and the names of the modules on MYPYPATH."""
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    typeshed = None
    modules = []
    for root in _stub_roots(port) | _stub_roots(_stdlib_stubs()):
        if root.name == "stdlib":
            typeshed = root.parent  # mypy wants the directory holding stdlib/
            continue
        (stubs / root.name).symlink_to(root)
        modules.append(root.name.removesuffix(".pyi"))
    assert typeshed is not None and {"machine", "bluetooth", "time"} <= set(modules)
    silenced = ",".join(sorted(modules) + [m + ".*" for m in sorted(modules)])
    (tmp_path / "mypy.ini").write_text(
        "[mypy]\npython_version = 3.11\nno_site_packages = True\ncheck_untyped_defs = True\n"
        f"cache_dir = {tmp_path / 'cache'}\n"
        f"[mypy-{silenced}]\nfollow_imports = silent\nignore_errors = True\n")
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(tmp_path / "mypy.ini"),
         "--custom-typeshed-dir", str(typeshed), *targets],
        cwd=cwd, env=dict(os.environ, MYPYPATH=str(stubs)), capture_output=True, text=True)
    return proc, set(modules)


def test_every_port_stub_entry_is_a_board():
    assert BOARDS, "no boards/*.json"
    assert sorted(set(PORT_STUBS) - set(BOARDS)) == [], "PORT_STUBS names boards that do not exist"


@pytest.mark.parametrize("board", BOARDS)
def test_firmware_type_checks_against_its_ports_stubs(board, tmp_path):
    defn = json.loads((REPO / "boards" / f"{board}.json").read_text())
    assert defn["name"] == board
    if board not in PORT_STUBS:
        pytest.fail(
            f"boards/{board}.json has no port stubs: add its port's stub package "
            f"(micropython-<port>-<board>-stubs on PyPI, version, wheel sha256) to PORT_STUBS "
            f"in tests/host/test_firmware_types.py", pytrace=False)
    port = _port_stubs(*PORT_STUBS[board])
    proc, modules = _mypy(port, tmp_path, REPO / "firmware", "korsetfw", "main.py")
    # The port's own module is there (rp2 or esp32): these are the board's port's stubs.
    family = port.metadata["Name"].split("-")[1]
    assert family in modules, (board, port.metadata["Name"], sorted(modules))
    assert proc.returncode == 0, f"{board} ({port.metadata['Name']} {port.version}):\n" + (
        proc.stdout + proc.stderr)
    assert "Success" in proc.stdout
