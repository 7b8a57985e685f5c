#!/usr/bin/env python3
"""Set up a development environment in .venv and run Korset from it.

    python3 dev.py demo [options]   # set up, then run `korset demo`
    python3 dev.py test [pytest options]   # set up, lint, then run the whole test suite
    python3 dev.py korset ARGS...   # set up, then run any korset command

Setting up means: create .venv with the running Python (3.11+) if it is missing
and install this project into it, editable, with its development extra. It is
repeated only when pyproject.toml changed. When node and npm exist, it also
installs MicroPython's webassembly port (npm, pinned) into .venv/mpwasm, the
firmware tests' 32-bit runtime; that is re-done only when the pin changes.
Nothing outside the project directory is touched, with one exception: `test`
needs a real browser for the report's rendering test and, when `chromium` is
missing on a Debian machine run as root, installs Debian's package (apt-get,
about 15 s).
"""

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".korset-installed"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
# The firmware tests' third runtime: a 32-bit MicroPython (31-bit small ints, as on
# the boards), run by node (tests/fw/_mpwasm.mjs; tests/conftest.py finds it here).
WASM_PACKAGE = "@micropython/micropython-webassembly-pyscript@1.27.0"
WASM_DIR = VENV / "mpwasm"
WASM_STAMP = WASM_DIR / ".korset-installed"


def _run(*cmd: str | Path) -> None:
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT)


def ensure_environment() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 (dev.py runs under any python3)
        sys.exit("Korset needs Python 3.11 or newer; this is %s" % sys.version.split()[0])
    if not (BIN / "python").exists():
        print("dev.py: creating .venv", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = (ROOT / "pyproject.toml").read_bytes()
    if STAMP.exists() and STAMP.read_bytes() == wanted:
        return
    print("dev.py: installing korset and its development tools into .venv", flush=True)
    _run(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    _run(BIN / "python", "-m", "pip", "install", "--quiet", "-e", ".[dev]")
    STAMP.write_bytes(wanted)


def ensure_wasm_micropython() -> None:
    """npm's MicroPython webassembly port into .venv/mpwasm, when node and npm exist."""
    if WASM_STAMP.exists() and WASM_STAMP.read_text() == WASM_PACKAGE:
        return
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        print("dev.py: no node/npm: the firmware tests' 32-bit MicroPython runtime "
              "(micropython32) will be skipped", flush=True)
        return
    print("dev.py: installing %s (npm) into .venv/mpwasm" % WASM_PACKAGE, flush=True)
    WASM_DIR.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([npm, "install", "--prefix", str(WASM_DIR), "--no-audit",
                           "--no-fund", "--no-save", "--loglevel=error", WASM_PACKAGE],
                          cwd=ROOT, stdout=subprocess.DEVNULL)
    if done.returncode:
        print("dev.py: npm install failed: the micropython32 firmware tests will be "
              "skipped", flush=True)
        return
    WASM_STAMP.write_text(WASM_PACKAGE)


def ensure_browser() -> None:
    """Debian's chromium, for the test that renders the HTML report in a real browser."""
    if shutil.which("chromium"):
        return
    apt = shutil.which("apt-get")
    if apt is None or not hasattr(os, "geteuid") or os.geteuid() != 0:
        print("dev.py: no chromium, and this is not a Debian machine run as root: the "
              "report's browser test will fail; install chromium and run again", flush=True)
        return
    print("dev.py: installing Debian's chromium for the report's browser test", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = [apt, "install", "-y", "-q", "--no-install-recommends", "chromium"]
    if subprocess.run(install, env=env, stdout=subprocess.DEVNULL).returncode:
        # A fresh machine may have no package lists yet.
        subprocess.run([apt, "update", "-q"], env=env, stdout=subprocess.DEVNULL)
        subprocess.run(install, env=env, stdout=subprocess.DEVNULL)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("demo", "test", "korset"):
        print(__doc__)
        return 2
    ensure_environment()
    ensure_wasm_micropython()
    env = dict(os.environ, PATH=str(BIN) + os.pathsep + os.environ.get("PATH", ""))
    command, rest = argv[0], argv[1:]
    if command == "demo":
        cmd = [str(BIN / "korset"), "demo", *rest]
    elif command == "korset":
        cmd = [str(BIN / "korset"), *rest]
    else:
        ensure_browser()
        env["KORSET_REQUIRE_BROWSER"] = "1"  # the browser test fails instead of skipping
        lint = subprocess.run([str(BIN / "ruff"), "check", "."], cwd=ROOT, env=env)
        if lint.returncode:
            return lint.returncode
        cmd = [str(BIN / "python"), "-m", "pytest", *rest]
    return subprocess.run(cmd, cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
