"""Attitude of the lower back: gyro integration corrected by the accelerometer.

A Mahony-style complementary filter (Mahony, Hamel, Pflimlin 2008, "Nonlinear
complementary filters on the special orthogonal group") on a Q28 quaternion,
integer-only so that it allocates nothing:

- the gyro (bias removed by ``Stillness``) turns the quaternion every sample,
  first order, renormalised every sample;
- the accelerometer pulls the estimated gravity direction towards the measured
  one with a proportional gain ``kp_per_s`` (a time constant of 1/kp), but
  only while the measured specific force is within ``accel_window_g`` of 1 g
  (linear acceleration would tilt it) and while the motor is not shaking the
  board (``gate``). No integral term: the gyro bias is measured at rest.
- For the first ``settle_s`` the gain is high, so that the filter finds
  gravity from any starting attitude within a fraction of a second.

Quaternion (w, x, y, z) maps body to world (world z up, heading arbitrary).
Inputs are raw counts in body axes.
"""

import math

from korsetfw.compat import const
from korsetfw.fixedpoint import ONE, mul

_MAX_SHIFT_GYRO = const(10)


class Attitude:
    def __init__(self, rate_hz, gyro_dps_per_lsb, accel_g_per_lsb, kp_per_s=0.4,
                 settle_s=0.5, accel_window_g=0.12):
        self.rate_hz = rate_hz
        # gyro counts -> half the rotation angle per sample, Q28, as
        # (counts * _gyro_k) >> _gyro_shift, with _gyro_k < 2**14 so that
        # |counts| < 2**16 keeps the product below 2**30, and as many bits as fit.
        half_angle = 0.5 * gyro_dps_per_lsb * math.pi / 180.0 / rate_hz
        shift = _MAX_SHIFT_GYRO
        while shift > 0 and half_angle * ONE * (1 << shift) >= (1 << 14):
            shift -= 1
        self._gyro_shift = shift
        self._gyro_k = int(round(half_angle * ONE * (1 << shift)))
        # accel counts -> Q28 g as counts * _acc_k (|a| <= 1.5 g keeps it < 2**30)
        self._acc_k = int(round(accel_g_per_lsb * ONE))
        counts_per_g = 1.0 / accel_g_per_lsb
        self._clip = int(1.5 * counts_per_g)
        lo = (1 - accel_window_g) * counts_per_g
        hi = (1 + accel_window_g) * counts_per_g
        self._mag2_lo = int(lo * lo)
        self._mag2_hi = int(hi * hi)
        # Correction per sample: error (Q28, ~sin angle) >> shift ~ kp * dt / 2.
        self._kp_shift = self._shift_for(kp_per_s)
        self._fast_shift = self._shift_for(8.0)
        self._settle = int(settle_s * rate_hz)
        self.q = [ONE, 0, 0, 0]
        self.up = [0, 0, ONE]  # estimated "up" (world z) in body axes, Q28
        self.nudge = [0, 0, 0]  # extra half-angle for the next update, Q28 (heading leak)
        self.samples = 0
        self.corrected = 0  # samples with accelerometer correction (for reports)

    def _shift_for(self, kp_per_s):
        """Shift s with 2**-s closest to kp * dt (error angle ~ 2 * vector error)."""
        gain = kp_per_s / self.rate_hz
        s = 0
        while (1.0 / (1 << (s + 1))) > gain * 0.7071 and s < 24:
            s += 1
        return s

    def update(self, ax, ay, az, gx, gy, gz, gate):
        """One sample: accel and gyro counts in body axes, gyro bias already removed.

        ``gate`` False blanks the accelerometer correction (motor running).
        """
        k = self._gyro_k
        sh = self._gyro_shift
        nudge = self.nudge
        hx = ((gx * k) >> sh) + nudge[0]
        hy = ((gy * k) >> sh) + nudge[1]
        hz = ((gz * k) >> sh) + nudge[2]
        nudge[0] = 0
        nudge[1] = 0
        nudge[2] = 0
        q = self.q
        w = q[0]
        x = q[1]
        y = q[2]
        z = q[3]
        self.samples += 1
        if gate and -self._clip < ax < self._clip and -self._clip < ay < self._clip and \
                -self._clip < az < self._clip:
            mag2 = ax * ax + ay * ay + az * az
            if self._mag2_lo < mag2 < self._mag2_hi:
                # Estimated gravity direction in the body frame: R^T z.
                vx = (mul(x, z) - mul(w, y)) << 1
                vy = (mul(y, z) + mul(w, x)) << 1
                vz = mul(w, w) - mul(x, x) - mul(y, y) + mul(z, z)
                up = self.up
                up[0] = vx
                up[1] = vy
                up[2] = vz
                c = self._acc_k
                mx = ax * c
                my = ay * c
                mz = az * c
                # e = measured x estimated: the rotation that brings them together.
                s = self._fast_shift if self.samples < self._settle else self._kp_shift
                hx += (mul(my, vz) - mul(mz, vy)) >> s
                hy += (mul(mz, vx) - mul(mx, vz)) >> s
                hz += (mul(mx, vy) - mul(my, vx)) >> s
                self.corrected += 1
        # q += q (x) (0, h): first-order integration of the half-angle increment.
        nw = w - mul(x, hx) - mul(y, hy) - mul(z, hz)
        nx = x + mul(w, hx) + mul(y, hz) - mul(z, hy)
        ny = y + mul(w, hy) - mul(x, hz) + mul(z, hx)
        nz = z + mul(w, hz) + mul(x, hy) - mul(y, hx)
        # Renormalise: q *= (3 - |q|^2) / 2, one Newton step towards |q| = 1.
        n2 = mul(nw, nw) + mul(nx, nx) + mul(ny, ny) + mul(nz, nz)
        f = (3 * ONE - n2) >> 1
        q[0] = mul(nw, f)
        q[1] = mul(nx, f)
        q[2] = mul(ny, f)
        q[3] = mul(nz, f)
