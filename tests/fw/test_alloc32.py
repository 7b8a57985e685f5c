"""The per-sample path allocates nothing for any reading the hardware can produce,
on a 32-bit MicroPython too.

On the boards' 32-bit ports a small int holds 31 bits: a result beyond
[-2**30, 2**30) becomes a long int on the heap, so an integer product that fits
on the 64-bit unix port (where test_heaplock proves the path) can allocate on a
board, and only for large readings. Here ``App.step`` (the IMU FIFO read, the
recorder's copy, the alignment, the whole ``Pipeline.process``) and the
recorder's block coding run pass by pass, each pass between ``gc.disable()``,
``gc.mem_alloc()`` and ``gc.mem_alloc()`` (on the webassembly port
``heap_lock`` hangs instead of raising; TOOLCHAIN.md, "A 32-bit MicroPython").
The simulated chip and bus are not the MCU's code: what they allocate is
metered on the bus and left out.

Inputs are seeded fuzz over what the hardware can produce: raw int16 extremes
on every axis, every accelerometer and gyroscope full scale of every driver,
the board at any orientation, excursions of 0-180 degrees about random axes,
long holds at large angles, many large repetitions, accelerations up to full
scale, the motor gating the accelerometer. The same tests run on the 64-bit
unix port (where they must pass anyway: its small ints hold 63 bits).
"""

import gc
import math
import sys

import vclock
import vi2c
from fwtest import Rng, is_micropython, skip
from imuharness import Ticks
from lsm6dsox_model import LSM6DSOXModel
from mpu6886_model import MPU6050Model, MPU6886Model
from vbare import BareHardware

from korsetfw import align, catalogue
from korsetfw import events as ev
from korsetfw.app import App
from korsetfw.fixedpoint import ONE
from korsetfw.lsm6dsox import LSM6DSOX
from korsetfw.mpu6886 import MPU6050, MPU6886
from korsetfw.pipeline import SetConfig
from korsetfw.settings import Settings

G = 9.80665  # m/s^2 per g
CHIPS = (  # driver, chip model, I2C address
    (LSM6DSOX, LSM6DSOXModel, 0x6A),
    (MPU6886, MPU6886Model, 0x68),
    (MPU6050, MPU6050Model, 0x68),
)
EXERCISES = tuple(catalogue.EXERCISES) + (catalogue.get(catalogue.REPS),
                                          catalogue.get(catalogue.HOLD))


def _need_micropython():
    if not is_micropython():
        skip("the measure is MicroPython's gc.mem_alloc(); CPython allocates every int")


def _alignments():
    """All 24 proper rotations as alignment strings (the board mounted any way)."""
    out = []
    for a in "XYZ":
        for b in "XYZ":
            for c in "XYZ":
                if len(set(a + b + c)) < 3:
                    continue
                for s in range(8):
                    text = ("-" if s & 1 else "+") + a + ("-" if s & 2 else "+") + b + \
                        ("-" if s & 4 else "+") + c
                    index, sign = [], []
                    for i in range(3):
                        index.append("XYZ".index(text[2 * i + 1]))
                        sign.append(-1 if text[2 * i] == "-" else 1)
                    if align.determinant(index, sign) == 1:
                        out.append(text)
    return out


def _uniform(rng, lo, hi):
    return lo + (hi - lo) * rng.randint(0, 1 << 20) / (1 << 20)


def _unit(rng):
    """A direction uniformly on the sphere."""
    z = _uniform(rng, -1.0, 1.0)
    phi = _uniform(rng, 0.0, 2 * math.pi)
    r = math.sqrt(max(0.0, 1.0 - z * z))
    return r * math.cos(phi), r * math.sin(phi), z


def _qmul(a, b):
    aw, ax, ay, az = a
    bw, bx, by, bz = b
    return (aw * bw - ax * bx - ay * by - az * bz, aw * bx + ax * bw + ay * bz - az * by,
            aw * by - ax * bz + ay * bw + az * bx, aw * bz + ax * by - ay * bx + az * bw)


def _random_attitude(rng):
    """A uniformly random unit quaternion (Shoemake's method)."""
    u1 = _uniform(rng, 0.0, 1.0)
    u2 = _uniform(rng, 0.0, 2 * math.pi)
    u3 = _uniform(rng, 0.0, 2 * math.pi)
    a = math.sqrt(1 - u1)
    b = math.sqrt(u1)
    return (a * math.sin(u2), a * math.cos(u2), b * math.sin(u3), b * math.cos(u3))


class RawFuzz:
    """Every axis, every sample: a random reading, a third of them beyond full scale
    either way (the chip saturates them to +32767 / -32768). The readings come from
    a seeded table of 1021 (a prime, so axes and samples never fall into step)
    drawn once: drawing them per sample costs more than the firmware on the
    32-bit port, whose ints the generator overflows."""

    def __init__(self, rng, accel_fs_g, gyro_fs_dps):
        self.table = []
        for _ in range(1021):
            pick = rng.randint(0, 5)
            self.table.append(2.0 if pick == 0 else (-2.0 if pick == 1 else
                                                     _uniform(rng, -1.0, 1.0)))
        self.scale = (1.3 * accel_fs_g * G, 1.3 * math.radians(gyro_fs_dps))
        self.i = 0

    def sample(self, t_s, out):
        table = self.table
        for j in range(6):
            self.i = (self.i + 1) % 1021
            out[j] = table[self.i] * self.scale[0 if j < 3 else 1]


class Excursions:
    """The board (chip axes = the moving frame) starts at a random attitude, keeps
    still, then makes excursions from there: out about a random axis by 0-180
    degrees, a hold (short, or long), back; some with linear accelerations up to
    the accelerometer's full scale on top of gravity. Body rate and specific force
    are consistent with the attitude, so the firmware tracks the big angles."""

    def __init__(self, rng, seconds, accel_fs_g, still_s=3.0):
        self.rng = rng
        self.q0 = _random_attitude(rng)
        self.accel_top = accel_fs_g * G
        self.moves = []  # (start, out_end, hold_end, back_end, axis, angle, shaking)
        t = still_s
        while t < seconds:
            axis = _unit(rng)
            angle = math.radians(_uniform(rng, 20.0, 180.0))
            move = _uniform(rng, 0.3, 2.5)
            kind = rng.randint(0, 3)
            hold = _uniform(rng, 12.0, 22.0) if kind == 0 else _uniform(rng, 0.0, 1.0)
            shaking = rng.randint(0, 3) == 0
            self.moves.append((t, t + move, t + move + hold, t + 2 * move + hold, axis, angle,
                               shaking))
            t += 2 * move + hold + _uniform(rng, 0.3, 2.0)
        self.i = 0

    def _angle(self, t_s):
        """(axis, angle, rate, shaking) at t_s: raised-cosine moves out and back."""
        moves = self.moves
        while self.i + 1 < len(moves) and t_s >= moves[self.i + 1][0]:
            self.i += 1
        if not moves or t_s < moves[self.i][0] or t_s >= moves[self.i][3]:
            return (1.0, 0.0, 0.0), 0.0, 0.0, False
        t0, t1, t2, t3, axis, angle, shaking = moves[self.i]
        if t_s < t1:
            p = (t_s - t0) / (t1 - t0)
            return axis, angle * 0.5 * (1 - math.cos(math.pi * p)), \
                angle * 0.5 * math.pi * math.sin(math.pi * p) / (t1 - t0), shaking
        if t_s < t2:
            return axis, angle, 0.0, False
        p = (t_s - t2) / (t3 - t2)
        return axis, angle * 0.5 * (1 + math.cos(math.pi * p)), \
            -angle * 0.5 * math.pi * math.sin(math.pi * p) / (t3 - t2), shaking

    def sample(self, t_s, out):
        axis, angle, rate, shaking = self._angle(t_s)
        s = math.sin(angle / 2)
        w, x, y, z = _qmul(self.q0, (math.cos(angle / 2), axis[0] * s, axis[1] * s,
                                     axis[2] * s))
        # Specific force: world "up" (gravity's reaction) in the moving frame, R^T z.
        out[0] = G * 2 * (x * z - w * y)
        out[1] = G * 2 * (y * z + w * x)
        out[2] = G * (w * w - x * x - y * y + z * z)
        if shaking:  # a linear acceleration up to full scale, any direction
            d = _unit(self.rng)
            m = _uniform(self.rng, 0.0, self.accel_top)
            out[0] += m * d[0]
            out[1] += m * d[1]
            out[2] += m * d[2]
        # Rotation about an axis fixed in the moving frame: the body rate is axis * rate.
        out[3] = axis[0] * rate
        out[4] = axis[1] * rate
        out[5] = axis[2] * rate


class _MeteredBus(vi2c.I2CBus):
    """The simulated bus and chip run inside the measured pass but are not the MCU's
    code (the chip model computes in floats and on a 64-bit sample clock): what
    they allocate is measured here and left out."""

    def __init__(self, clock, freq_hz):
        super().__init__(clock, freq_hz)
        self.excluded = 0

    def readfrom_mem_into(self, address, reg, buf):
        before = gc.mem_alloc()
        vi2c.I2CBus.readfrom_mem_into(self, address, reg, buf)
        self.excluded += gc.mem_alloc() - before


class _NullFile:
    """Where the recorder writes its chunks (writing is not per sample)."""

    def write(self, data):
        return len(data)

    def flush(self):
        pass


class Result:
    def __init__(self):
        self.bytes = 0  # allocated on the per-sample path, all scenarios
        self.samples = 0
        self.worst = 0  # the most bytes one pass allocated
        self.worst_samples = 1  # samples in that pass
        self.worst_where = ""
        self.passes_allocating = 0
        self.max_d2 = 0  # the largest excursion the counter saw (sin^2 of half the angle)
        self.counted = 0  # repetitions and holds counted
        self.held = 0  # holds confirmed

    def line(self):
        return ("%d bytes over %d samples (%d passes allocating); worst pass %d bytes for "
                "%d samples (%s)" % (self.bytes, self.samples, self.passes_allocating,
                                     self.worst, self.worst_samples, self.worst_where))


def _run(result, name, chip, rate_hz, accel_fs_g, gyro_fs_dps, alignment, exercise,
         source, seconds, motor_rng=None):
    """One scenario: the chip sampling ``source``, the firmware drained pass by pass."""
    driver, model, address = chip
    gc.collect()  # the last scenario's App and chip, before this one's are built
    clock = vclock.ManualClock()
    bus = _MeteredBus(clock, 400000)
    chip_model = model(clock, source)
    bus.attach(address, chip_model)
    imu = driver(bus, address=address, rate_hz=rate_hz, accel_fs_g=accel_fs_g,
                 gyro_fs_dps=gyro_fs_dps, batch=16)
    app = App({"name": "fuzz", "imu": {"alignment": alignment}}, Settings(),
              BareHardware(imu), Ticks(clock), out=None)
    p = app.pipeline
    p.configure(SetConfig(exercise))
    p.start_set()
    rec = app.recording
    assert rec.record_to(_NullFile(), 1)  # App.step hands the raw samples to it
    step = app.step  # bound once: binding a method allocates
    encode = rec.encode
    motor = app.hw.motor
    counter_events = 0
    where = "%s %s %d Hz %d g %d dps %s %s" % (name, driver.__name__, rate_hz, accel_fs_g,
                                               gyro_fs_dps, alignment, exercise.key)
    referenced = False
    mem_alloc = gc.mem_alloc
    # On the webassembly port a collection inside one runPython() call frees
    # nothing (TOOLCHAIN.md), so each would only rescan the growing heap: there the
    # collector stays off for the whole run and the heap grows instead.
    collect = sys.platform != "webassembly"
    end_us = int(seconds * 1000000)
    passes = 0
    pass_rng = Rng(rate_hz + accel_fs_g + gyro_fs_dps)
    while clock.now_us() < end_us:
        # Passes of 5-70 ms (at most 15 samples at 208 Hz, within the driver's batch
        # of 16): FIFO reads of every length, and fewer passes to simulate.
        clock.advance_us(5000 + 1000 * pass_rng.randint(0, 65))
        chip_model._update()
        passes += 1
        if not referenced and clock.now_us() >= 2000000:
            p.request_reference()  # 2 s in: take the reference wherever the board is
            referenced = True
        if motor_rng is not None and passes % 8 == 0:
            motor.on = motor_rng.randint(0, 3) == 0
        bus.excluded = 0
        gc.disable()
        before = mem_alloc()
        n = step()
        ready = encode()
        used = mem_alloc() - before
        if collect:
            gc.enable()
        used -= bus.excluded
        if ready:
            rec.write()
        result.samples += n
        if used:
            result.bytes += used
            result.passes_allocating += 1
            if used * result.worst_samples > result.worst * (n or 1):
                result.worst = used
                result.worst_samples = n or 1
                result.worst_where = where
        c = p.counter
        if c.d2 > result.max_d2:
            result.max_d2 = c.d2
        for i in range(p.n_events):
            code = p.events[3 * i]
            if code == ev.REP or code == ev.HOLD_END:
                counter_events += 1
            elif code == ev.HOLD_START:
                result.held += 1
        p.n_events = 0
        if collect and passes % 128 == 0:
            gc.collect()
    result.counted += counter_events
    gc.enable()
    return app


def _report(result, what):
    print("%s: %s" % (what, result.line()))
    print("%s: worst %.1f bytes per sample, on average %.2f" % (
        what, result.worst / result.worst_samples, result.bytes / max(1, result.samples)))


def test_raw_int16_extremes_at_every_full_scale_allocate_nothing():
    _need_micropython()
    rng = Rng(32)
    alignments = _alignments()
    result = Result()
    for chip in CHIPS:
        driver = chip[0]
        for accel_fs_g in driver.ACCEL_RANGES_G:
            for gyro_fs_dps in driver.GYRO_RANGES_DPS:
                rate = driver.RATES_HZ[rng.randint(0, len(driver.RATES_HZ) - 1)]
                ex = EXERCISES[rng.randint(0, len(EXERCISES) - 1)]
                source = RawFuzz(rng, accel_fs_g, gyro_fs_dps)
                _run(result, "raw", chip, rate, accel_fs_g, gyro_fs_dps,
                     alignments[rng.randint(0, 23)], ex, source, 1.5, motor_rng=rng)
    _report(result, "raw extremes")
    assert result.samples > 5000
    assert result.bytes == 0, result.line()


def _excursions(seed, scenarios, seconds):
    """``scenarios``: (chip, accelerometer full scale) pairs; the gyro's full scale,
    the exercise and whether the motor runs go round in turn."""
    rng = Rng(seed)
    alignments = _alignments()
    result = Result()
    for i, (chip, accel_fs_g) in enumerate(scenarios):
        driver = chip[0]
        gyros = driver.GYRO_RANGES_DPS
        gyro_fs_dps = gyros[(seed + i) % len(gyros)]
        # The two lower rates: the larger steps per sample, and a simulation the
        # 32-bit port runs in reasonable time (the chip model computes in long ints
        # there); test_raw covers every rate.
        rate = driver.RATES_HZ[rng.randint(0, 1)]
        ex = EXERCISES[(seed + i) % len(EXERCISES)]
        source = Excursions(rng, seconds, accel_fs_g)
        _run(result, "excursions", chip, rate, accel_fs_g, gyro_fs_dps,
             alignments[rng.randint(0, 23)], ex, source, seconds,
             motor_rng=rng if i % 2 else None)
    return result


def _check_excursions(result):
    # The fuzz reached what it is for: excursions beyond 85 degrees (sin^2 of half
    # of it > 0.45), repetitions and holds counted at large angles.
    assert result.max_d2 > ONE * 0.45, result.max_d2 / ONE
    assert result.counted >= 3 and result.held > 0, (result.counted, result.held)
    assert result.bytes == 0, result.line()


def test_large_angles_holds_and_repetitions_on_the_lsm6dsox_allocate_nothing():
    _need_micropython()
    chip = CHIPS[0]
    result = _excursions(16, [(chip, fs) for fs in chip[0].ACCEL_RANGES_G], 30.0)
    _report(result, "excursions, LSM6DSOX")
    _check_excursions(result)


def test_large_angles_holds_and_repetitions_on_the_mpu_family_allocate_nothing():
    _need_micropython()
    # The MPU-6886 and MPU-6050 share their driver's ranges and conversions.
    ranges = CHIPS[1][0].ACCEL_RANGES_G
    result = _excursions(17, [(CHIPS[1 + i % 2], fs) for i, fs in enumerate(ranges)], 30.0)
    _report(result, "excursions, MPU-6886 and MPU-6050")
    _check_excursions(result)


def test_the_measure_sees_allocations():
    """The proof above can fail: the same measure sees a float and, on a 32-bit
    port, an integer product beyond 31 bits."""
    _need_micropython()
    import array

    x = array.array("i", [1 << 28])
    gc.disable()
    before = gc.mem_alloc()
    _ = x[0] * 0.5
    boxed_float = gc.mem_alloc() - before
    before = gc.mem_alloc()
    _ = x[0] * 8
    long_int = gc.mem_alloc() - before
    gc.enable()
    assert boxed_float > 0
    if sys.maxsize < (1 << 32):  # 31-bit small ints: 2**31 is a long int
        assert long_int > 0
    else:
        assert long_int == 0
