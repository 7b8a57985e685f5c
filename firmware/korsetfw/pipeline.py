"""The per-sample pipeline of a set: calibrate, track, compare, decide, count.

For every IMU sample (raw counts, body axes):

1. ``Stillness`` judges rest and measures the gyro bias while still;
2. ``Attitude`` integrates the bias-free gyro, corrected by gravity unless the
   motor is shaking the board (the motor blanks the accelerometer while it
   runs and for ``blank_s`` after);
3. a set waits for the patient to be still in the exercise's starting posture
   and takes the reference (or takes it on command);
4. ``Deviation`` compares the attitude with the reference (for holds: with
   the position held) on the exercise's axes, with hysteresis;
5. the detector turns "outside for ``min_on_s``" into buzz on and "inside for
   ``min_off_s``" into buzz off;
6. ``Counter`` counts repetitions or holds live.

Heading at rest. Gravity cannot tell the attitude about the vertical, so a
gyro bias error there (breathing and sway make the first estimate of it
uncertain by ~0.1-0.3 deg/s) turns the estimate steadily. But every
repetition and hold of these exercises starts from, and returns to, the
starting posture, where the true deviation is zero. So while the counter says
the patient is at rest, the deviation's component about the vertical is
leaked back to zero with a ``heading_leak_s`` time constant, and the gyro
bias estimate along the vertical is corrected by it (an integral term,
``heading_bias_s``), so the drift itself stops. Movements away from rest
(repetitions, faults, holds) are never pulled; a patient who turns slowly at
rest, over tens of seconds, would be.

Everything here is integer arithmetic on preallocated state; ``process``
allocates nothing. What happened goes into ``events`` (code, sample number,
value triples; see ``korsetfw.events``), read by the caller after each call.
"""

import array
import math

from korsetfw import catalogue, const
from korsetfw import events as ev
from korsetfw.ahrs import Attitude
from korsetfw.counter import Counter
from korsetfw.deviation import Deviation
from korsetfw.fixedpoint import ONE, mul, q28
from korsetfw.stillness import Stillness

IDLE = const(0)  # no set
WAITING = const(1)  # set started, waiting for stillness in the starting posture
ACTIVE = const(2)
_MAX_EVENTS = const(32)


def _shift_below(gain):
    """Shift s with 2**-s closest to ``gain`` (a per-sample fraction)."""
    s = 0
    while 1.0 / (1 << (s + 1)) > gain * 0.7071 and s < 30:
        s += 1
    return s


class SetConfig:
    """What the set is: exercise and this patient's tolerance and targets (units in names)."""

    def __init__(self, exercise, tolerance_deg=None, target_reps=None, target_holds=None,
                 hold_s=None):
        self.exercise = exercise
        if tolerance_deg is None:
            self.tolerance_deg = dict(exercise.tolerance_deg)
        elif isinstance(tolerance_deg, dict):
            self.tolerance_deg = dict(tolerance_deg)
        else:
            axes = exercise.axes or catalogue.AXES
            self.tolerance_deg = {axis: float(tolerance_deg) for axis in axes}
        if target_reps is None and exercise.reps:
            target_reps = exercise.reps[0]
        if target_holds is None and exercise.holds:
            target_holds = exercise.holds
        if hold_s is None and exercise.hold_s:
            hold_s = exercise.hold_s[0]
        self.target_reps = target_reps
        self.target_holds = target_holds
        self.hold_s = hold_s


class Pipeline:
    def __init__(self, rate_hz, accel_g_per_lsb, gyro_dps_per_lsb, hysteresis_deg=0.5,
                 min_on_s=0.0, min_off_s=0.1, blank_s=0.12, posture_tolerance_deg=40.0,
                 heading_leak_s=3.0, heading_bias_s=10.0):
        self.rate_hz = rate_hz
        self.stillness = Stillness(rate_hz, gyro_dps_per_lsb, accel_g_per_lsb)
        self.attitude = Attitude(rate_hz, gyro_dps_per_lsb, accel_g_per_lsb)
        self.deviation = Deviation()  # from the set's reference: counting, reps' faults
        self.hold_deviation = Deviation()  # from the position held: holds' faults
        self.hysteresis_deg = hysteresis_deg
        self._min_on = max(1, int(round(min_on_s * rate_hz)))
        self._min_off = max(1, int(round(min_off_s * rate_hz)))
        self._blank = int(blank_s * rate_hz)
        # 2**-shift ~ 1 / (tau * rate): half-angle of the leak per sample.
        leak = 1.0 / (heading_leak_s * rate_hz)
        self._leak_shift = _shift_below(leak)
        # Bias correction, counts << 16 per sample, from the half-angle error e
        # (Q28): rad/s = 2 e / 2**28 / (tau_leak * tau_bias); in counts << 16.
        rad_per_count = gyro_dps_per_lsb * math.pi / 180.0
        k = 2.0 * 65536 / ONE / (heading_leak_s * heading_bias_s * rate_hz) / rad_per_count
        self._bias_shift = _shift_below(k)
        self._posture_cos = q28(math.cos(math.radians(posture_tolerance_deg)))
        self._up = [0, 0, 0]
        self._up_any = True
        self._up_side = False
        self.state = IDLE
        self.sample_no = 0
        self.buzzing = False
        self._streak = 0
        self._blank_until = 0
        self._bias_frac = [0, 0, 0]
        self._ref_request = False
        self._posture_warned = False
        self._monitoring = False  # deviation judged now (reps: always when active)
        self.events = array.array("i", bytes(4 * 3 * _MAX_EVENTS))
        self.n_events = 0
        self.dropped_events = 0
        self._judge_against_set = True
        self.configure(SetConfig(catalogue.get(catalogue.REPS)))

    # -- control (not per sample) -------------------------------------------------

    def configure(self, config):
        self.config = config
        ex = config.exercise
        self.deviation.set_tolerance(config.tolerance_deg, self.hysteresis_deg)
        self.hold_deviation.set_tolerance(config.tolerance_deg, self.hysteresis_deg)
        holds = ex.kind == catalogue.HOLD
        # Repetitions, and holds in place, are judged against the set's
        # reference all along; other holds against the position held.
        self._judge_against_set = not holds or ex.hold_in_place
        # Excursion thresholds, degrees: the leaflet's repetitions move the lower
        # back a degree or two; generic movements (squats...) tens of degrees;
        # holds are confirmed by stillness, so their threshold can be low.
        if holds and ex.hold_in_place:
            min_deg, max_deg = 0.4, 2.0
        elif holds:
            # Moving into a held position takes degrees; a smaller excursion
            # that then keeps still is the patient settling, not a hold.
            min_deg, max_deg = 1.5, 3.0
        elif ex.axes:
            min_deg, max_deg = 0.5, 0.6
        else:
            min_deg, max_deg = 4.0, 15.0
        self.counter = Counter(self.rate_hz, holds, min_deg=min_deg, max_deg=max_deg,
                               hold_target_s=config.hold_s or 15.0)
        up = catalogue.POSTURE_UP.get(ex.posture)
        self._up_any = up is None
        self._up_side = ex.posture == catalogue.SIDE_LYING
        if up is not None:
            for i in range(3):
                self._up[i] = q28(up[i])

    def start_set(self):
        self.state = WAITING
        self._posture_warned = False
        self._event(ev.SET_START, 0)

    def stop_set(self):
        if self.buzzing:
            self.buzzing = False
            self._event(ev.BUZZ_OFF, 0)
        if self.state != IDLE:
            self._event(ev.SET_END, self.counter.count)
        self.state = IDLE
        self._monitoring = False
        self.stillness.in_set = False

    def request_reference(self):
        self._ref_request = True

    # -- per sample ------------------------------------------------------------------

    def _event(self, code, value):
        if self.n_events >= _MAX_EVENTS:
            self.dropped_events += 1
            return
        e = self.events
        i = 3 * self.n_events
        e[i] = code
        e[i + 1] = self.sample_no
        e[i + 2] = value
        self.n_events += 1

    def process(self, samples, n, motor_on):
        """Run ``n`` body-frame samples (6 counts each) through the pipeline."""
        still = self.stillness
        bias = still.bias
        att = self.attitude
        for b in range(0, 6 * n, 6):
            self.sample_no += 1
            if motor_on:
                self._blank_until = self.sample_no + self._blank
            shaken = self.sample_no < self._blank_until
            ax = samples[b]
            ay = samples[b + 1]
            az = samples[b + 2]
            gx = samples[b + 3]
            gy = samples[b + 4]
            gz = samples[b + 5]
            still.update(ax, ay, az, gx, gy, gz, shaken)
            # The bias is known to 2**-16 count; subtracting whole counts would
            # leave up to a count (17.5 mdps: 2 degrees in 2 minutes) on the
            # axis gravity cannot correct. Error diffusion: the fraction
            # accumulates, and a count is taken whenever it makes one.
            fr = self._bias_frac
            b0 = bias[0]
            b1 = bias[1]
            b2 = bias[2]
            fr[0] += b0 & 0xFFFF
            fr[1] += b1 & 0xFFFF
            fr[2] += b2 & 0xFFFF
            c0 = fr[0] >> 16
            c1 = fr[1] >> 16
            c2 = fr[2] >> 16
            fr[0] &= 0xFFFF
            fr[1] &= 0xFFFF
            fr[2] &= 0xFFFF
            att.update(ax, ay, az, gx - (b0 >> 16) - c0, gy - (b1 >> 16) - c1,
                       gz - (b2 >> 16) - c2, not shaken)
            if self.state == ACTIVE:
                self._active()
            elif self.state == WAITING:
                self._waiting()

    def _waiting(self):
        if self._ref_request:
            self._take_reference(1)
            return
        if not (self.stillness.still and self.stillness.calibrated):
            self._posture_warned = False
            return
        if self._posture_ok():
            self._take_reference(0)
        elif not self._posture_warned:
            self._posture_warned = True
            self._event(ev.POSTURE_WRONG, 0)

    def _posture_ok(self):
        if self._up_any:
            return True
        q = self.attitude.q
        w = q[0]
        x = q[1]
        y = q[2]
        z = q[3]
        vx = (mul(x, z) - mul(w, y)) << 1
        vy = (mul(y, z) + mul(w, x)) << 1
        vz = mul(w, w) - mul(x, x) - mul(y, y) + mul(z, z)
        if self._up_side:
            return abs(vy) > self._posture_cos
        up = self._up
        return mul(vx, up[0]) + mul(vy, up[1]) + mul(vz, up[2]) > self._posture_cos

    def _take_reference(self, how):
        self._ref_request = False
        self.stillness.in_set = True
        self.deviation.set_reference(self.attitude.q)
        self.state = ACTIVE
        self._monitoring = self._judge_against_set
        self._event(ev.REFERENCE, how)

    def _active(self):
        if self._ref_request:
            self._take_reference(1)
        dev = self.deviation
        dev.update(self.attitude.q)
        counter = self.counter
        d = dev.d
        happened = counter.update(d[1], d[2], d[3], self.stillness.quiet)
        if happened:
            self._counted(happened)
        if counter.at_rest() and not self.buzzing:
            self._leak_heading(d)
        if not self._judge_against_set:
            if self._monitoring:
                hd = self.hold_deviation
                hd.update(self.attitude.q)
                if counter.leaving_hold() and not self.buzzing:
                    hd.outside = 0  # coming out of the hold is not a fault in it
                self._detect(hd)
        elif self._monitoring:
            self._detect(dev)

    def _leak_heading(self, d):
        up = self.attitude.up
        # Vertical part of the deviation (half-angle): pulled back a little, and
        # read as a gyro bias error along the vertical.
        v = mul(d[1], up[0]) + mul(d[2], up[1]) + mul(d[3], up[2])
        e = v >> self._leak_shift
        nudge = self.attitude.nudge
        nudge[0] -= mul(e, up[0])
        nudge[1] -= mul(e, up[1])
        nudge[2] -= mul(e, up[2])
        e = v >> self._bias_shift
        bias = self.stillness.bias
        bias[0] += mul(e, up[0])
        bias[1] += mul(e, up[1])
        bias[2] += mul(e, up[2])

    def _counted(self, happened):
        counter = self.counter
        cfg = self.config
        if happened == 1:
            self._event(ev.REP, counter.count)
            if counter.count == cfg.target_reps:
                self._event(ev.TARGET_REACHED, counter.count)
        elif happened == 2:
            # Confirmed now (still, out there): the patient has settled into it.
            self._event(ev.HOLD_START, counter.count + 1)
            if not self._judge_against_set:
                self.hold_deviation.set_reference(self.attitude.q)
                self._monitoring = True
        elif happened == 3 or happened == 5:
            if counter.holds:
                if not self._judge_against_set:
                    self._end_hold_monitoring()
                if happened == 3:
                    self._event(ev.HOLD_END, counter.last_length * 1000 // self.rate_hz)
                    if counter.count == cfg.target_holds:
                        self._event(ev.TARGET_REACHED, counter.count)
        elif happened == 4:
            self._event(ev.HOLD_COMPLETE, counter.count + 1)

    def _end_hold_monitoring(self):
        # A hold is judged against the position held, from when the patient
        # settled into it (HOLD_START) to its end.
        if self._monitoring:
            self._monitoring = False
            if self.buzzing:
                self.buzzing = False
                self._streak = 0
                self._event(ev.BUZZ_OFF, 0)

    def _detect(self, dev):
        if not self.buzzing:
            if dev.outside:
                self._streak += 1
                if self._streak >= self._min_on:
                    self.buzzing = True
                    self._streak = 0
                    self._event(ev.BUZZ_ON, dev.outside)
            else:
                self._streak = 0
        else:
            if dev.inside == dev.axes:
                self._streak += 1
                if self._streak >= self._min_off:
                    self.buzzing = False
                    self._streak = 0
                    self._event(ev.BUZZ_OFF, 0)
            else:
                self._streak = 0
