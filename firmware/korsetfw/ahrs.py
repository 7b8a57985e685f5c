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

from korsetfw import const
from korsetfw.fixedpoint import ONE, mul

_MAX_SHIFT_GYRO = const(10)
_B = const(14)  # split point of the products (see fixedpoint.mul)
_B1 = const(13)  # squares: (2 * ah * al) >> 14 == (ah * al) >> 13
_M = const(0x3FFF)
_NORM_EVERY = const(4)
# A half-angle step above this (Q28, 1/32 rad: 3.6 degrees a sample, ~370 deg/s at
# 104 Hz) renormalises at once: a saturated gyro at a low rate steps up to 0.7 rad
# a sample, and four unnormalised first-order steps would grow |q| past 2, its
# parts past 2**29 (and their products past 2**30, long ints on a 32-bit port),
# where one Newton step no longer converges.
_BIG_STEP = const(1 << 23)


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
        # |a|^2 is compared in counts >> _mag_shift: three squares of up to
        # 1.5 g each must stay below 2**30 (a small int on a 32-bit port). On the
        # 2 g ranges (16384 counts/g) the raw sum would pass it from 2 g up; on the
        # larger ranges the shift is 0 and nothing changes.
        shift = 0
        while 3 * ((self._clip >> shift) + 1) ** 2 >= (1 << 30):
            shift += 1
        self._mag_shift = shift
        lo = (1 - accel_window_g) * counts_per_g / (1 << shift)
        hi = (1 + accel_window_g) * counts_per_g / (1 << shift)
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
        self._since_norm = 0
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

        Products are written out as ``fixedpoint.mul`` does them, with each
        factor split once at bit 14 (``*h`` high, ``*l`` low): a function call
        per product would cost more than the product itself on MicroPython.
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
        wh = w >> _B
        wl = w & _M
        xh = x >> _B
        xl = x & _M
        yh = y >> _B
        yl = y & _M
        zh = z >> _B
        zl = z & _M
        self.samples += 1
        clip = self._clip
        if gate and -clip < ax < clip and -clip < ay < clip and -clip < az < clip:
            ms = self._mag_shift
            sx = ax >> ms
            sy = ay >> ms
            sz = az >> ms
            mag2 = sx * sx + sy * sy + sz * sz
            if self._mag2_lo < mag2 < self._mag2_hi:
                # Estimated gravity direction in the body frame: R^T z.
                vx = ((xh * zh + ((xh * zl + xl * zh) >> _B))
                      - (wh * yh + ((wh * yl + wl * yh) >> _B))) << 1
                vy = ((yh * zh + ((yh * zl + yl * zh) >> _B))
                      + (wh * xh + ((wh * xl + wl * xh) >> _B))) << 1
                vz = ((wh * wh + ((wh * wl) >> _B1)) - (xh * xh + ((xh * xl) >> _B1))
                      - (yh * yh + ((yh * yl) >> _B1)) + (zh * zh + ((zh * zl) >> _B1)))
                up = self.up
                up[0] = vx
                up[1] = vy
                up[2] = vz
                c = self._acc_k
                mx = ax * c
                my = ay * c
                mz = az * c
                mxh = mx >> _B
                mxl = mx & _M
                myh = my >> _B
                myl = my & _M
                mzh = mz >> _B
                mzl = mz & _M
                vxh = vx >> _B
                vxl = vx & _M
                vyh = vy >> _B
                vyl = vy & _M
                vzh = vz >> _B
                vzl = vz & _M
                # e = measured x estimated: the rotation that brings them together.
                s = self._fast_shift if self.samples < self._settle else self._kp_shift
                hx += ((myh * vzh + ((myh * vzl + myl * vzh) >> _B))
                       - (mzh * vyh + ((mzh * vyl + mzl * vyh) >> _B))) >> s
                hy += ((mzh * vxh + ((mzh * vxl + mzl * vxh) >> _B))
                       - (mxh * vzh + ((mxh * vzl + mxl * vzh) >> _B))) >> s
                hz += ((mxh * vyh + ((mxh * vyl + mxl * vyh) >> _B))
                       - (myh * vxh + ((myh * vxl + myl * vxh) >> _B))) >> s
                self.corrected += 1
        if hx > _BIG_STEP or hx < -_BIG_STEP or hy > _BIG_STEP or hy < -_BIG_STEP or \
                hz > _BIG_STEP or hz < -_BIG_STEP:
            self._since_norm = _NORM_EVERY
        # q += q (x) (0, h): first-order integration of the half-angle increment.
        hxh = hx >> _B
        hxl = hx & _M
        hyh = hy >> _B
        hyl = hy & _M
        hzh = hz >> _B
        hzl = hz & _M
        xhx = xh * hxh + ((xh * hxl + xl * hxh) >> _B)
        xhy = xh * hyh + ((xh * hyl + xl * hyh) >> _B)
        xhz = xh * hzh + ((xh * hzl + xl * hzh) >> _B)
        yhx = yh * hxh + ((yh * hxl + yl * hxh) >> _B)
        yhy = yh * hyh + ((yh * hyl + yl * hyh) >> _B)
        yhz = yh * hzh + ((yh * hzl + yl * hzh) >> _B)
        zhx = zh * hxh + ((zh * hxl + zl * hxh) >> _B)
        zhy = zh * hyh + ((zh * hyl + zl * hyh) >> _B)
        zhz = zh * hzh + ((zh * hzl + zl * hzh) >> _B)
        whx = wh * hxh + ((wh * hxl + wl * hxh) >> _B)
        why = wh * hyh + ((wh * hyl + wl * hyh) >> _B)
        whz = wh * hzh + ((wh * hzl + wl * hzh) >> _B)
        w = w - xhx - yhy - zhz
        x = x + whx + yhz - zhy
        y = y + why - xhz + zhx
        z = z + whz + xhy - yhx
        self._since_norm += 1
        if self._since_norm >= _NORM_EVERY:
            # Renormalise: q *= (3 - |q|^2) / 2, one Newton step towards |q| = 1.
            # The first-order step grows |q| by about |h|^2 a sample (1e-5 at
            # 50 deg/s), far inside what one Newton step corrects.
            self._since_norm = 0
            n2 = mul(w, w) + mul(x, x) + mul(y, y) + mul(z, z)
            f = (3 * ONE - n2) >> 1
            w = mul(w, f)
            x = mul(x, f)
            y = mul(y, f)
            z = mul(z, f)
        q[0] = w
        q[1] = x
        q[2] = y
        q[3] = z
