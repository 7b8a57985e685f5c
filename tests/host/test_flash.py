"""Flashing with real mpremote, onto a virtual board's serial port, and booting what was flashed."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from korset.cli import main
from korset.replay import parse_events
from korset.sim.simulate import simulate
from korset.vboard import VirtualBoard
from korset.vboard.serial import SerialBoard
from korsetfw import catalogue as cat


@pytest.fixture
def serial_board(tmp_path):
    board = SerialBoard(VirtualBoard(tmp_path / "board"))  # blank flash: no firmware yet
    board.start()
    yield board
    board.stop()


def test_flash_a_blank_virtual_board_then_it_boots_what_was_flashed(serial_board, tmp_path,
                                                                   capsys):
    port = serial_board.port
    assert main(["flash", "--board", "virtual", "--port", port]) == 0
    out = capsys.readouterr().out
    assert "copy korsetfw/app.mpy" in out and "check the IMU" in out
    assert "it booted firmware 0.1.0" in out and "0 unchanged" in out
    assert serial_board.boots == 2  # the reset booted it again
    # Again: nothing changed, nothing copied.
    assert main(["flash", "--board", "virtual", "--port", port]) == 0
    assert "0 file(s) copied" in capsys.readouterr().out
    # A setting put on the board with mpremote, as a user would.
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"exercise": 6, "status_period_s": 0}))
    cp = subprocess.run([sys.executable, "-m", "mpremote", "connect", port, "fs", "cp",
                         str(settings), ":settings.json"], capture_output=True, timeout=60)
    assert cp.returncode == 0, cp.stderr
    serial_board.stop()
    # The flashed (compiled) firmware boots from that flash, runs the set and buzzes.
    vb = VirtualBoard(tmp_path / "board")
    sim = simulate(cat.get(6), 12, reps=4, fault_rate=0.5)
    assert sim.truth["faults"]
    result = vb.run(sim.recording, install=False)
    assert result.exit_code == 0, result.console[-10:]
    assert result.console[0].startswith("korset 0.1.0 on virtual")
    names = [e["name"] for e in parse_events(result.console)]
    assert "set_start" in names and "reference" in names and "buzz_on" in names


def test_flash_reports_a_wrong_imu_and_a_missing_port(serial_board, tmp_path, capsys):
    board = VirtualBoard(tmp_path / "y").board
    wrong = dict(board, name="wrong-imu", imu=dict(board["imu"], model="mpu6886",
                                                    address=0x68))
    path = tmp_path / "wrong-imu.json"
    path.write_text(json.dumps(wrong))
    assert main(["flash", "--board", str(path), "--port", serial_board.port]) == 1
    err = capsys.readouterr().err
    assert "0x68" in err and "\n" not in err.strip()
    assert main(["flash", "--board", "virtual", "--port", str(tmp_path / "no-such-port")]) == 1
    assert "cannot open" in capsys.readouterr().err
    assert main(["flash", "--board", "no-such-board"]) == 1
    assert "no board 'no-such-board'" in capsys.readouterr().err


def test_korset_vboard_prints_its_port_first_and_serves_mpremote(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "korset", "vboard", "--root",
                             str(tmp_path / "b"), "--install"], stdout=subprocess.PIPE,
                            text=True)
    try:
        first = proc.stdout.readline().strip()
        assert first.startswith("port: /dev/pts/")
        port = first.split()[1]
        ls = subprocess.run([sys.executable, "-m", "mpremote", "connect", port, "fs", "ls", "/"],
                            capture_output=True, text=True, timeout=60)
        assert ls.returncode == 0, ls.stderr
        assert "main.py" in ls.stdout and "korsetfw/" in ls.stdout
        run = subprocess.run([sys.executable, "-m", "mpremote", "connect", port, "exec",
                              "import korsetfw; print(korsetfw.FIRMWARE_VERSION)"],
                             capture_output=True, text=True, timeout=60)
        assert run.stdout.strip() == "0.1.0", run.stderr
    finally:
        proc.terminate()
        proc.wait(10)


def test_doctor_says_what_to_fix_before_and_after_flashing(serial_board, capsys):
    from korset.vboard import _read_pin_log

    port = serial_board.port
    assert main(["doctor", "--port", port]) == 1
    out = capsys.readouterr().out
    assert "FIX  firmware          not installed" in out and "korset flash" in out
    assert main(["flash", "--board", "virtual", "--port", port]) == 0
    capsys.readouterr()
    main(["doctor", "--port", port])
    out = capsys.readouterr().out
    assert "ok   firmware          korset 0.1.0" in out
    assert "ok   IMU               LSM6DSOX" in out and "|a| = 1.00 g" in out
    assert "ok   motor" in out and "ok   storage" in out
    # The buzz really drove the motor pin of the board.
    pins = _read_pin_log(serial_board.pin_log)
    motor = str(serial_board.board.board["motor"]["pin"])
    assert any(e.pin == motor and e.kind == "pwm" and e.value > 0 for e in pins)


def test_doctor_findings_for_an_old_micropython_and_a_tilted_scale():
    from korset.doctor import findings

    report = {"mp": [1, 19, 1], "platform": "rp2", "firmware": None, "board": "x",
              "imu": "LSM6DSOX", "samples": 30, "accel_g": [0.0, 0.0, 0.5],
              "gyro_dps": [0.0, 0.0, 0.0], "bus_errors": 0, "motor_ms": 250,
              "ble_error": "this MicroPython build has no bluetooth module",
              "fs_total": 1 << 20, "fs_free": 1000, "sessions": 4, "min_free": 65536}
    bad = {f.what: f for f in findings(report) if not f.ok}
    assert set(bad) == {"MicroPython", "firmware", "IMU", "BLE", "storage"}
    assert "1.22" in bad["MicroPython"].fix and "korset sync" in bad["storage"].fix
