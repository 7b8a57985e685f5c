"""Is the patient still? And, while still, what does the gyro read at rest (its bias)?

Stillness is first judged on how much the signals vary, not on their size, so
that an unknown gyro bias (up to several degrees/s) does not hide it: each
axis is compared with its own low-pass, the absolute differences summed (gyro
in deg/s, accelerometer in g), and that low-passed again. Below both
thresholds for ``still_s``: still. A slow, smooth movement varies little,
though (an exercise's repetition turns the pelvis at 1-2 deg/s), so once the
bias is known the rate itself, bias removed, must also stay below
``rate_dps`` (breathing and sway stay below it). Integer-only; values kept
scaled by 2**8.

While still and the motor is off, the gyro's average is the bias: the body's
true rate is zero on average (breathing and sway are zero-mean). The first
stillness after start takes the plain mean of ``first_s`` seconds (no
low-pass lag), later ones a slow low-pass (``tau_s``) so breathing does not
leak into the estimate.

Between stillnesses, during a set, the bias keeps being refined very slowly
(``moving_tau_s``): an exercise set returns to where it started again and
again, so over tens of seconds the true rate averages to zero on every axis.
This is what keeps the axis that gravity cannot see (the vertical one) from
drifting through a two-minute set. Only slow movement (below
``moving_max_dps``) goes in: a deliberate large movement, like tilting into
a held position, is not zero-mean on the scale of the estimate.
"""

from korsetfw import const
from korsetfw.fixedpoint import clamp

_S = const(8)  # fixed-point scale of the low-passes
_B = const(16)  # fixed-point scale of the bias: a 2**k-sample average needs k more bits
_B_CLAMP = const(1 << 12)  # counts: a still gyro reads its bias, far below this
_BS = const(8)  # _B - _S


def _shift_for(tau_s, rate_hz):
    """Shift k with 2**k samples closest to tau (a first-order low-pass)."""
    n = tau_s * rate_hz
    k = 0
    while (1 << (k + 1)) <= n * 1.4142:
        k += 1
    return k


class Stillness:
    def __init__(self, rate_hz, gyro_dps_per_lsb, accel_g_per_lsb, gyro_dps=1.5, accel_g=0.02,
                 still_s=0.8, tau_s=4.0, first_s=1.5, moving_tau_s=15.0, rate_dps=0.7,
                 moving_max_dps=2.0):
        self._k_fast = _shift_for(0.15, rate_hz)  # follows each axis, for the variation
        self._k_motion = _shift_for(0.25, rate_hz)
        self._k_bias = _shift_for(tau_s, rate_hz)
        self._first_n = int(first_s * rate_hz)
        self._k_moving = _shift_for(moving_tau_s, rate_hz)
        self.in_set = False  # set by the pipeline: refine the bias while moving
        # Thresholds on the low-passed L1 variation, in counts << _S.
        self._gyro_thr = int(gyro_dps / gyro_dps_per_lsb) << _S
        self._accel_thr = int(accel_g / accel_g_per_lsb) << _S
        self._rate_thr = int(rate_dps / gyro_dps_per_lsb) << _S
        self._moving_thr = int(moving_max_dps / gyro_dps_per_lsb) << _S
        self._still_n = int(still_s * rate_hz)
        self.lp = [0, 0, 0, 0, 0, 0]  # ax ay az gx gy gz, << _S
        self.bias = [0, 0, 0]  # gyro bias, counts << _B
        self._gyro_motion = 0
        self._accel_motion = 0
        self._quiet = 0  # consecutive quiet samples
        self.still = False
        self.quiet = False
        self.calibrated = False  # a first stillness has set the bias
        self._bias_n = 0
        self._started = False

    def update(self, ax, ay, az, gx, gy, gz, motor_on):
        lp = self.lp
        if not self._started:
            lp[0] = ax << _S
            lp[1] = ay << _S
            lp[2] = az << _S
            lp[3] = gx << _S
            lp[4] = gy << _S
            lp[5] = gz << _S
            self._started = True
        k = self._k_fast
        d0 = (ax << _S) - lp[0]
        d1 = (ay << _S) - lp[1]
        d2 = (az << _S) - lp[2]
        d3 = (gx << _S) - lp[3]
        d4 = (gy << _S) - lp[4]
        d5 = (gz << _S) - lp[5]
        lp[0] += d0 >> k
        lp[1] += d1 >> k
        lp[2] += d2 >> k
        lp[3] += d3 >> k
        lp[4] += d4 >> k
        lp[5] += d5 >> k
        am = abs(d0) + abs(d1) + abs(d2)
        gm = abs(d3) + abs(d4) + abs(d5)
        km = self._k_motion
        self._accel_motion += (am - self._accel_motion) >> km
        self._gyro_motion += (gm - self._gyro_motion) >> km
        b = self.bias
        moving = motor_on or self._accel_motion > self._accel_thr or \
            self._gyro_motion > self._gyro_thr
        if not moving and self.calibrated:
            rt = self._rate_thr
            moving = abs(lp[3] - (b[0] >> _BS)) > rt or abs(lp[4] - (b[1] >> _BS)) > rt or \
                abs(lp[5] - (b[2] >> _BS)) > rt
        self.quiet = not moving  # this sample: calm now (``still`` needs it for still_s)
        if moving:
            self._quiet = 0
            self.still = False
            mt = self._moving_thr
            if self.in_set and self.calibrated and not motor_on and \
                    abs(lp[3] - (b[0] >> _BS)) < mt and abs(lp[4] - (b[1] >> _BS)) < mt and \
                    abs(lp[5] - (b[2] >> _BS)) < mt:
                self._average_bias(gx, gy, gz, self._k_moving)
            return
        self._quiet += 1
        if self._quiet < self._still_n:
            return
        self.still = True
        # Still: the gyro's reading is its bias. Average it in.
        if self.calibrated:
            self._average_bias(gx, gy, gz, self._k_bias)
            return
        # First calibration: the running mean, b += (g - b) / n.
        self._bias_n += 1
        n = self._bias_n
        b[0] += ((clamp(gx, _B_CLAMP) << _B) - b[0]) // n
        b[1] += ((clamp(gy, _B_CLAMP) << _B) - b[1]) // n
        b[2] += ((clamp(gz, _B_CLAMP) << _B) - b[2]) // n
        if n >= self._first_n:
            self.calibrated = True

    def _average_bias(self, gx, gy, gz, k):
        b = self.bias
        b[0] += ((clamp(gx, _B_CLAMP) << _B) - b[0]) >> k
        b[1] += ((clamp(gy, _B_CLAMP) << _B) - b[1]) >> k
        b[2] += ((clamp(gz, _B_CLAMP) << _B) - b[2]) >> k
