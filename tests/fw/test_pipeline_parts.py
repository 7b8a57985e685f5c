"""The pipeline's parts on both runtimes: fixed point, attitude, stillness, deviation, counter,
cues."""

import math

from fwtest import Rng, approx

from korsetfw.ahrs import Attitude
from korsetfw.counter import Counter
from korsetfw.cues import PATTERNS, Cues
from korsetfw.deviation import FLEXION_BIT, LATERAL_BIT, ROTATION_BIT, Deviation
from korsetfw.fixedpoint import ONE, mul, q28
from korsetfw.stillness import Stillness

G_PER_LSB = 122e-6  # LSM6DSOX +-4 g
DPS_PER_LSB = 17.5e-3  # +-500 dps
COUNTS_PER_G = int(1 / G_PER_LSB)


def test_mul_is_exact_to_one_lsb_and_stays_below_2_to_30():
    rng = Rng(1)
    for _ in range(2000):
        a = rng.randint(-(1 << 28), 1 << 28)
        b = rng.randint(-(1 << 29), 1 << 29)
        exact = (a * b) >> 28
        assert abs(mul(a, b) - exact) <= 1
        # The contract behind it: no intermediate reaches 2**30 (a 32-bit
        # MCU's small-int range), so nothing is ever heap-allocated.
        ah, bh = a >> 14, b >> 14
        assert abs(ah * bh) < (1 << 30)
        assert abs(ah * (b & 0x3FFF) + (a & 0x3FFF) * bh) < (1 << 30)


def _quat(axis, deg):
    h = math.radians(deg) / 2
    v = [0, 0, 0]
    v[axis] = q28(math.sin(h))
    return [q28(math.cos(h))] + v


def test_attitude_finds_gravity_from_any_posture():
    for up, counts in (((0, 0, 1), (0, 0, COUNTS_PER_G)), ((1, 0, 0), (COUNTS_PER_G, 0, 0)),
                       ((0, -1, 0), (0, -COUNTS_PER_G, 0))):
        att = Attitude(104, DPS_PER_LSB, G_PER_LSB)
        for _ in range(104):  # 1 s at rest
            att.update(counts[0], counts[1], counts[2], 0, 0, 0, True)
        for i in range(3):
            assert approx(att.up[i] / ONE, up[i], 0.01), (up, att.up)


def test_attitude_integrates_a_known_rotation():
    att = Attitude(104, DPS_PER_LSB, G_PER_LSB)
    dev = Deviation()
    dev.set_reference(att.q)
    # 90 deg/s about z for 1 s, no accelerometer (gate closed): 90 degrees.
    counts = int(round(90 / DPS_PER_LSB))
    for _ in range(104):
        att.update(0, 0, COUNTS_PER_G, 0, 0, counts, False)
    dev.update(att.q)
    rot, flex, lat = dev.angles_deg()
    assert approx(rot, 90.0 * (counts * DPS_PER_LSB / 90), 0.2) and approx(flex, 0, 0.05)


def test_deviation_thresholds_with_hysteresis():
    dev = Deviation()
    dev.set_tolerance({"flexion": 5.0, "lateral": 4.0, "rotation": 3.0}, 0.5)
    dev.set_reference([ONE, 0, 0, 0])
    for axis, bit, tol in ((1, LATERAL_BIT, 4.0), (2, FLEXION_BIT, 5.0), (3, ROTATION_BIT, 3.0)):
        for sign in (1, -1):
            dev.update(_quat(axis - 1, sign * (tol + 0.1)))
            assert dev.outside == bit and dev.inside == dev.axes & ~bit
            dev.update(_quat(axis - 1, sign * (tol - 0.2)))  # inside, but within hysteresis
            assert dev.outside == 0 and dev.inside == dev.axes & ~bit
            dev.update(_quat(axis - 1, sign * (tol - 0.6)))
            assert dev.outside == 0 and dev.inside == dev.axes
    rot, flex, lat = dev.angles_deg()
    assert approx(rot, -2.4, 0.01) and approx(flex, 0, 1e-6)


def test_only_monitored_axes_count():
    dev = Deviation()
    dev.set_tolerance({"rotation": 4.0}, 0.5)
    dev.set_reference([ONE, 0, 0, 0])
    dev.update(_quat(1, 20.0))  # a big flexion: not watched
    assert dev.outside == 0
    dev.update(_quat(2, 4.5))
    assert dev.outside == ROTATION_BIT


def test_stillness_measures_a_gyro_bias():
    rng = Rng(2)
    still = Stillness(104, DPS_PER_LSB, G_PER_LSB)
    bias_counts = (int(2.0 / DPS_PER_LSB), int(-1.2 / DPS_PER_LSB), int(0.4 / DPS_PER_LSB))
    for i in range(104 * 8):
        noise = [rng.randint(-2, 2) for _ in range(3)]
        still.update(0, 0, COUNTS_PER_G, bias_counts[0] + noise[0], bias_counts[1] + noise[1],
                     bias_counts[2] + noise[2], False)
    assert still.still and still.calibrated
    for k in range(3):
        assert approx(still.bias[k] / 65536.0, bias_counts[k], 0.5), (still.bias, bias_counts)
    # Moving (a 20 deg/s turn): not still.
    for _ in range(50):
        still.update(0, 0, COUNTS_PER_G, bias_counts[0], bias_counts[1],
                     bias_counts[2] + int(20 / DPS_PER_LSB), False)
    assert not still.still


def _excursion(counter, peak_deg, out_s, rate=104, still=False):
    """Out to peak_deg (raised cosine over out_s) and back; returns the codes seen."""
    n = int(out_s * rate)
    codes = []
    for i in range(n):
        a = math.radians(peak_deg) * 0.5 * (1 - math.cos(2 * math.pi * i / n))
        codes.append(counter.update(0, q28(math.sin(a / 2)), 0, still))
    for _ in range(int(0.6 * rate)):
        codes.append(counter.update(0, 0, 0, True))
    return [c for c in codes if c]


def test_counter_counts_excursions_and_ignores_small_wobble():
    c = Counter(104, holds=False, min_deg=0.5, max_deg=0.6)
    assert _excursion(c, 1.5, 3.0) == [1]
    assert _excursion(c, 0.3, 3.0) == []  # breathing-sized: not a rep
    assert _excursion(c, 9.0, 3.0) == [1]  # a fault inside a rep is still one rep
    assert _excursion(c, 1.2, 3.0) == [1]
    assert c.count == 3


def test_counter_times_a_hold_only_once_still():
    c = Counter(104, holds=True, min_deg=0.4, max_deg=2.0, hold_target_s=5.0)
    codes = []
    for i in range(104):  # into the hold over 1 s, moving
        a = math.radians(6.0) * i / 104
        codes.append(c.update(0, q28(math.sin(a / 2)), 0, False))
    held = q28(math.sin(math.radians(6.0) / 2))
    for i in range(104 * 8):  # 8 s held, still
        codes.append(c.update(0, held, 0, True))
    for _ in range(104):
        codes.append(c.update(0, 0, 0, True))
    codes = [x for x in codes if x]
    assert codes == [2, 4, 3] and c.count == 1
    assert 8.5 * 104 < c.last_length < 9.6 * 104


class _Motor:
    def __init__(self, log, clock):
        self.on = False
        self.log = log
        self.clock = clock

    def start(self):
        if not self.on:
            self.log.append(("on", self.clock.now))
        self.on = True

    def stop(self):
        if self.on:
            self.log.append(("off", self.clock.now))
        self.on = False

    def update(self):
        pass


class _Clock:
    def __init__(self):
        self.now = 0

    def ticks_ms(self):
        return self.now

    def ticks_add(self, a, b):
        return a + b

    def ticks_diff(self, a, b):
        return a - b


def _play(names, fault_at=None, fault_ms=0):
    clock = _Clock()
    log = []
    cues = Cues(_Motor(log, clock), clock)
    for name in names:
        cues.play(name)
    for t in range(5000):  # longer than the longest pattern
        clock.now = t
        if fault_at is not None and t == fault_at:
            cues.fault(True)
        if fault_at is not None and t == fault_at + fault_ms:
            cues.fault(False)
        cues.update()
    return log


def _durations(log):
    return [log[i + 1][1] - log[i][1] for i in range(len(log) - 1)]


def test_cues_play_their_rhythm_and_are_all_distinct():
    seen = []
    for name in PATTERNS:
        got = _durations(_play([name]))
        assert got == list(PATTERNS[name]), (name, got)
        seen.append(tuple(got))
    assert len(set(seen)) == len(seen)


def test_a_fault_buzz_interrupts_a_cue_which_then_plays_whole():
    log = _play(["target"], fault_at=100, fault_ms=500)
    # The cue starts at 0; the fault at 100 keeps the motor on (no new "on");
    # at 600 the fault ends (motor off) and the cue starts again from its start.
    assert log[:3] == [("on", 0), ("off", 600), ("on", 600)]
    assert _durations(log[2:]) == list(PATTERNS["target"])
