"""The main loop keeps the board sensing whatever fails: errors are contained, counted,
recorded and cued (korsetfw.app.App.contain), on both runtimes."""

from imuharness import Ticks, rig, sample_pass
from vmotions import Bends

from korsetfw import catalogue
from korsetfw.app import LINK_ERRORS_MAX, App
from korsetfw.cues import PATTERNS
from korsetfw.lsm6dsox import LSM6DSOX
from korsetfw.motor import Motor
from korsetfw.settings import Settings

BOARD = {"name": "test", "imu": {"alignment": "-Z+Y+X"}}


class _PWM:
    """A PWM output that keeps every duty it was given."""

    def __init__(self):
        self.duties = []

    def duty_u16(self, value=None):
        if value is not None:
            self.duties.append(value)


class _Hardware:
    def __init__(self, imu, motor):
        self.imu = imu
        self.motor = motor
        self.button = None
        self.unique_id = b"\x00\x01"


class _BrokenLink:
    """A link whose every pass raises, as a stack in trouble might."""

    def __init__(self):
        self.calls = 0

        class _Ble:
            def active(self, on=None):
                return False

        self.ble = _Ble()

    def service(self):
        self.calls += 1
        raise RuntimeError("stack in trouble")

    def has_work(self):
        return False


def _app():
    clock, bus, chip = rig(Bends())
    ticks = Ticks(clock)
    pwm = _PWM()
    motor = Motor(pwm, 70, 100, 0, ticks)
    imu = LSM6DSOX(bus, rate_hz=104, batch=16)
    lines = []
    app = App(BOARD, Settings(), _Hardware(imu, motor), ticks, out=lines.append)
    app.start_set(catalogue.get(6))
    return clock, chip, app, lines, pwm


def _run(clock, chip, app, seconds):
    for _ in range(int(seconds * 100)):
        sample_pass(clock, chip, lambda: app._pass(0, 0), False)


def _events(lines, name):
    return [line for line in lines if line.startswith("event " + name + " ")]


def test_a_failing_link_never_stops_sensing_or_buzzing():
    clock, chip, app, lines, pwm = _app()
    link = _BrokenLink()
    app.link = link
    _run(clock, chip, app, 22.0)
    # The set went on as without a link: the reference, repetitions, the big bend's buzz.
    assert _events(lines, "reference") and len(_events(lines, "rep")) >= 3
    assert len(_events(lines, "buzz_on")) == 1 and len(_events(lines, "buzz_off")) == 1
    # Every failure was counted and reported; after LINK_ERRORS_MAX in a row the link is off.
    assert link.calls == LINK_ERRORS_MAX and app.errors == LINK_ERRORS_MAX
    assert app.link is None
    assert len(_events(lines, "internal_error")) == LINK_ERRORS_MAX
    assert any(line.startswith("ble: switched off") for line in lines)
    assert any("stack in trouble" in line for line in lines)


def test_an_error_while_sensing_is_contained_and_cued_once():
    clock, chip, app, lines, pwm = _app()
    read = app.imu.read
    failures = [3, 4, 5]  # passes whose FIFO read raises (e.g. a driver bug)
    count = [0]

    def flaky(buf):
        count[0] += 1
        if count[0] in failures:
            raise ValueError("driver bug")
        return read(buf)

    app.imu.read = flaky
    _run(clock, chip, app, 22.0)
    assert app.errors == len(failures)
    assert len(_events(lines, "internal_error")) == len(failures)
    assert len(_events(lines, "rep")) >= 3 and len(_events(lines, "buzz_on")) == 1
    # The motor started for the error cue's pulses once only (three errors: the cue at
    # most once a minute), then for the reference cue's and once for the big bend's buzz.
    starts = sum(1 for a, b in zip([0] + pwm.duties, pwm.duties) if a == 0 and b > 0)
    pulses = [(len(PATTERNS[name]) + 1) // 2 for name in ("error", "reference")]
    assert starts == sum(pulses) + 1
