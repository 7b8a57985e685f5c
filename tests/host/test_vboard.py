"""The virtual board runs the unchanged firmware on MicroPython with simulated parts."""

import numpy as np
import pytest

from korset import paths
from korset.sim.scripted import bends
from korset.vboard import VirtualBoard, load_board

ACCEL_LSB = 122e-6 * 9.80665  # m/s^2 per count at +-4 g
GYRO_LSB = 17.5e-3 * np.pi / 180  # rad/s per count at +-500 dps


def _stream(console):
    start = console.index("t,ax,ay,az,gx,gy,gz")
    rows = [line for line in console[start + 1:] if line[:1].isdigit()]
    return np.array([[float(v) for v in row.split(",")] for row in rows])


def _quiet(data, result, board):
    """The samples taken while the motor was off (and spun down): it shakes the IMU."""
    keep = np.ones(len(data), bool)
    for _, end in result.drive_episodes(board["motor"]["pin"]):
        # Sample times are the firmware's estimate, a few ms early at start-up.
        keep &= data[:, 0] > end + 0.3
    return data[keep]


@pytest.fixture(scope="module")
def streamed(tmp_path_factory):
    rec = bends(duration_s=6.0)
    board = VirtualBoard(tmp_path_factory.mktemp("vb"))
    result = board.run(rec, settings={"stream": True, "rate_hz": 104})
    return rec, board, result


def test_firmware_sees_the_trace_in_body_axes_and_units(streamed):
    rec, board, result = streamed
    assert result.exit_code == 0, "\n".join(result.console)
    assert board.board["imu"]["alignment"] != "+X+Y+Z"  # the mapping is really exercised
    data = _quiet(_stream(result.console), result, board.board)
    t = data[:, 0]
    for axis in range(3):
        truth_a = np.interp(t, rec.t, rec.accel[:, axis])
        truth_g = np.interp(t, rec.t, rec.gyro[:, axis])
        # Quantisation plus sub-millisecond timing between the chip and the firmware.
        assert np.max(np.abs(data[:, 1 + axis] - truth_a)) < 4 * ACCEL_LSB + 0.01, axis
        assert np.max(np.abs(data[:, 4 + axis] - truth_g)) < 4 * GYRO_LSB + 0.002, axis
    # Each axis really moves in this trace, so a swapped axis cannot pass.
    assert np.ptp(rec.accel[:, 0]) > 1.0 and np.ptp(rec.accel[:, 1]) > 0.3
    assert np.ptp(rec.gyro[:, 1]) > 0.1 and np.ptp(rec.gyro[:, 2]) > 0.03


def test_sample_count_matches_rate(streamed):
    rec, board, result = streamed
    data = _stream(result.console)
    t = data[:, 0]
    assert np.allclose(np.diff(t), 1 / 104, atol=1e-4)
    # From the first sample to power-off at the trace end, nothing is missing.
    expected = (rec.t[-1] - t[0]) * 104
    assert abs(len(t) - expected) <= 2, (len(t), expected)


def test_boot_buzz_is_driven_with_a_kick(streamed):
    rec, board, result = streamed
    motor = board.board["motor"]
    events = [e for e in result.pin_events if e.pin == str(motor["pin"])]
    assert [e.value for e in events] == [65535, motor["drive_pct"] * 65535 // 100, 0]
    kick_ms = (events[1].t_s - events[0].t_s) * 1000
    assert motor["kick_ms"] <= kick_ms < motor["kick_ms"] + 15
    (start, end), = result.drive_episodes(motor["pin"])
    assert 0.14 < end - start < 0.17


def test_firmware_boots_again_from_its_own_flash(streamed):
    rec, board, result = streamed
    again = board.run(rec, install=False, stop_at_s=2.5)
    assert again.exit_code == 0, "\n".join(again.console)
    assert again.console[0].startswith("korset 0.1.0 on virtual: LSM6DSOX at 104 Hz")
    assert any(line.startswith("status t=2.00s samples=") for line in again.console)


def test_bus_errors_are_counted_and_the_loop_keeps_running(tmp_path):
    board = VirtualBoard(tmp_path)
    # Transfers 1-9 configure the chip; fail a few of the FIFO reads after that.
    result = board.run(bends(duration_s=3.0), fail_i2c_transfers=(40, 41, 90, 200))
    assert result.exit_code == 0, "\n".join(result.console)
    last = [line for line in result.console if line.startswith("status")][-1]
    assert "bus_errors=4" in last and "overruns=0" in last
    samples = int(last.split("samples=")[1].split()[0])
    assert abs(samples - 208) <= 2  # nothing lost: the FIFO kept the data meanwhile


def test_a_missing_imu_is_cued_and_the_board_waits_for_it(tmp_path):
    """No chip at the IMU's address: the board cannot monitor, and says so (console, the
    imu cue every few seconds, the LED blinking), instead of stopping silently."""
    from korsetfw.boot import IMU_RETRY_MS
    from korsetfw.cues import PATTERNS

    board = VirtualBoard(tmp_path)
    result = board.run(stop_at_s=14.0, imu_missing=True)
    assert result.exit_code == 0, "\n".join(result.console)
    assert any(line.startswith("imu: not answering") and "0x6a" in line.lower()
               for line in result.console), result.console
    episodes = result.drive_episodes(board.board["motor"]["pin"])
    pulses = [round(end - start, 1) for start, end in episodes]
    per_cue = (len(PATTERNS["imu"]) + 1) // 2
    cues = 14000 // IMU_RETRY_MS + 1  # at 0, 5 and 10 s, each 3.6 s long
    assert len(pulses) == per_cue * cues, pulses
    assert all(abs(p - PATTERNS["imu"][0] / 1000) <= 0.05 for p in pulses), pulses
    led = [e for e in result.pin_events if e.pin == str(board.board["led"]["pin"])]
    assert len(led) >= 24  # blinking at 1 Hz for 14 s


def test_the_motor_shakes_the_imu(streamed):
    rec, board, result = streamed
    data = _stream(result.console)
    (start, end), = result.drive_episodes(board.board["motor"]["pin"])
    during = data[(data[:, 0] > start + 0.05) & (data[:, 0] < end)]
    after = _quiet(data, result, board.board)

    def shake(part):
        truth = np.stack([np.interp(part[:, 0], rec.t, rec.accel[:, k]) for k in range(3)], -1)
        return np.std(np.linalg.norm(part[:, 1:4] - truth, axis=1))

    assert shake(during) > 0.5  # m/s^2: hundreds of mg of vibration
    assert shake(after) < 0.01


def test_standing_still_reads_upright(tmp_path):
    rec = bends(duration_s=5.0, pitch_deg=0.0, roll_deg=0.0, yaw_deg=0.0)
    result = VirtualBoard(tmp_path).run(rec)
    last = [line for line in result.console if line.startswith("status")][-1]
    up = [float(v) for v in last.split("up=")[1].split()[0].split("/")]
    assert abs(up[0]) < 0.005 and abs(up[1]) < 0.005 and abs(up[2] - 1) < 0.001, last


def test_every_board_definition_is_valid():
    names = sorted(p.stem for p in paths.boards_dir().glob("*.json"))
    assert "virtual" in names
    for name in names:
        assert load_board(name)["name"] == name


def test_real_time_pacing_follows_the_wall_clock(tmp_path):
    """speed=4 runs 2 s of board time in no less than 0.5 s of wall time (fast mode: far less)."""
    import time

    board = VirtualBoard(tmp_path)
    start = time.monotonic()
    result = board.run(stop_at_s=2.0, speed=4.0)
    assert result.exit_code == 0
    assert time.monotonic() - start >= 0.5


@pytest.mark.parametrize("model, address, rate", [("mpu6886", 0x68, 100), ("mpu6050", 0x69, 50)])
def test_the_firmware_runs_on_the_mpu_family_too(tmp_path, model, address, rate):
    board = dict(load_board("virtual"), imu={"model": model, "address": address,
                                             "alignment": "+Y-X+Z", "int_pin": None})
    rec = bends(duration_s=4.0)
    result = VirtualBoard(tmp_path, board).run(
        rec, settings={"stream": True, "rate_hz": 104 if rate == 100 else 52})
    assert result.exit_code == 0, "\n".join(result.console)
    assert result.console[0].startswith(f"korset 0.1.0 on virtual: {model.upper()[:3]}")
    assert f"at {rate} Hz" in result.console[0]
    data = _stream(result.console)
    t = data[:, 0]
    assert np.allclose(np.diff(t), 1 / rate, atol=1e-4)
    data = _quiet(data, result, board)
    t = data[:, 0]
    # The firmware stamps samples by count from its start; the chip's sampling
    # phase (set when it woke) is unknown to it: up to one period of timing.
    for axis in range(3):
        for col, signal, lsb in ((1, rec.accel, 244e-6 * 9.81), (4, rec.gyro, 0.0003)):
            truth = np.interp(t, rec.t, signal[:, axis])
            slope = np.max(np.abs(np.gradient(signal[:, axis], rec.t)))
            assert np.max(np.abs(data[:, col + axis] - truth)) < slope / rate + 2 * lsb, axis


def test_fed_directly_from_the_simulator(tmp_path):
    from korset.sim import simulate
    from korsetfw import catalogue as cat

    sim = simulate(cat.get(6), seed=2, reps=3, errors="none", buzz=False)
    result = VirtualBoard(tmp_path).run(sim.recording, settings={"stream": True})
    assert result.exit_code == 0, "\n".join(result.console)
    data = _stream(result.console)
    # Standing: the firmware sees gravity on body z and the patient's small movements.
    assert abs(np.mean(data[:, 3]) - 9.81) < 0.05
    expected = (sim.recording.t[-1] - data[0, 0]) * 104
    assert abs(len(data) - expected) <= 2


def test_with_the_watchdog_on_a_working_loop_never_resets(tmp_path):
    board = VirtualBoard(tmp_path)
    result = board.run(bends(duration_s=12.0), settings={"watchdog_s": 2, "exercise": 6})
    assert result.exit_code == 0, "\n".join(result.console[-20:])
    assert "watchdog: on, 2 s" in result.console
    assert not any(line.startswith("watchdog: not fed") for line in result.console)
    last = [line for line in result.console if line.startswith("status")][-1]
    assert last.startswith("status t=11.") or last.startswith("status t=12.")
