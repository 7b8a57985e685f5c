"""Lumbar deviation from a reference attitude, and the tolerance test, in integers.

The deviation is the rotation from the reference to now, in the reference's
body frame, as Z-Y-X angles (the definition in docs/simulator.md, shared with
the simulator and the host analysis): rotation about z, then flexion about y,
then lateral bend about x. With d = conj(q_ref) (x) q = (w, x, y, z):

    flexion  = asin(2 (w y - x z))
    lateral  = atan2(2 (w x + y z), 1 - 2 (x^2 + y^2))
    rotation = atan2(2 (w z + x y), 1 - 2 (y^2 + z^2))

The per-sample test never takes an arcsine or arctangent: |flexion| > tol is
|2 (w y - x z)| > sin(tol), and |lateral| > tol is |num| > tan(tol) * den with
den > 0 (den <= 0 means beyond 90 degrees). Angles in degrees are computed
only when asked (``angles_deg``), for reports.
"""

import math

from korsetfw import const
from korsetfw.fixedpoint import ONE, mul, q28

FLEXION_BIT = const(1)
LATERAL_BIT = const(2)
ROTATION_BIT = const(4)
_B = const(14)  # split point of the products (see fixedpoint.mul)
_M = const(0x3FFF)
AXIS_BITS = {"flexion": FLEXION_BIT, "lateral": LATERAL_BIT, "rotation": ROTATION_BIT}


class Deviation:
    def __init__(self):
        self.ref = [ONE, 0, 0, 0]
        self._conj = [ONE >> _B, 0, 0, 0, 0, 0, 0, 0]  # conj(ref), split: (high, low) x 4
        self.d = [ONE, 0, 0, 0]
        # Per axis: (enter, exit) thresholds, Q28: sin for flexion, tan for the others.
        self._enter = [0, 0, 0]
        self._exit = [0, 0, 0]
        self.axes = 0  # bitmask of monitored axes
        self.outside = 0  # bitmask of axes beyond the enter threshold
        self.inside = 0  # bitmask of monitored axes back within the exit threshold

    def set_tolerance(self, tolerance_deg, hysteresis_deg):
        """``tolerance_deg``: {axis: degrees}; an axis left out is not monitored."""
        self.axes = 0
        for axis in tolerance_deg:
            bit = AXIS_BITS[axis]
            self.axes |= bit
            enter = math.radians(tolerance_deg[axis])
            leave = math.radians(max(tolerance_deg[axis] - hysteresis_deg, 0.1))
            i = 0 if bit == FLEXION_BIT else (1 if bit == LATERAL_BIT else 2)
            f = math.sin if i == 0 else math.tan
            self._enter[i] = q28(f(enter))
            self._exit[i] = q28(f(leave))

    def set_reference(self, q):
        r = self.ref
        r[0] = q[0]
        r[1] = q[1]
        r[2] = q[2]
        r[3] = q[3]
        # The conjugate, split once for the products of every sample.
        c = self._conj
        c[0] = q[0] >> _B
        c[1] = q[0] & _M
        for i in (1, 2, 3):
            c[2 * i] = (-q[i]) >> _B
            c[2 * i + 1] = (-q[i]) & _M

    def update(self, q):
        """Deviation of attitude ``q`` from the reference; sets ``outside``/``inside``.

        Products written out as ``fixedpoint.mul`` does them, each factor split
        once at bit 14 (a call per product would cost more than the product).
        """
        c = self._conj
        a0h = c[0]
        a0l = c[1]
        a1h = c[2]
        a1l = c[3]
        a2h = c[4]
        a2l = c[5]
        a3h = c[6]
        a3l = c[7]
        b = q[0]
        b0h = b >> _B
        b0l = b & _M
        b = q[1]
        b1h = b >> _B
        b1l = b & _M
        b = q[2]
        b2h = b >> _B
        b2l = b & _M
        b = q[3]
        b3h = b >> _B
        b3l = b & _M
        w = ((a0h * b0h + ((a0h * b0l + a0l * b0h) >> _B))
             - (a1h * b1h + ((a1h * b1l + a1l * b1h) >> _B))
             - (a2h * b2h + ((a2h * b2l + a2l * b2h) >> _B))
             - (a3h * b3h + ((a3h * b3l + a3l * b3h) >> _B)))
        x = ((a0h * b1h + ((a0h * b1l + a0l * b1h) >> _B))
             + (a1h * b0h + ((a1h * b0l + a1l * b0h) >> _B))
             + (a2h * b3h + ((a2h * b3l + a2l * b3h) >> _B))
             - (a3h * b2h + ((a3h * b2l + a3l * b2h) >> _B)))
        y = ((a0h * b2h + ((a0h * b2l + a0l * b2h) >> _B))
             - (a1h * b3h + ((a1h * b3l + a1l * b3h) >> _B))
             + (a2h * b0h + ((a2h * b0l + a2l * b0h) >> _B))
             + (a3h * b1h + ((a3h * b1l + a3l * b1h) >> _B)))
        z = ((a0h * b3h + ((a0h * b3l + a0l * b3h) >> _B))
             + (a1h * b2h + ((a1h * b2l + a1l * b2h) >> _B))
             - (a2h * b1h + ((a2h * b1l + a2l * b1h) >> _B))
             + (a3h * b0h + ((a3h * b0l + a3l * b0h) >> _B)))
        d = self.d
        d[0] = w
        d[1] = x
        d[2] = y
        d[3] = z
        axes = self.axes
        outside = 0
        inside = axes
        if axes & FLEXION_BIT:
            s = abs((mul(w, y) - mul(x, z)) << 1)
            if s > self._enter[0]:
                outside |= FLEXION_BIT
            if s > self._exit[0]:
                inside &= ~FLEXION_BIT
        if axes & LATERAL_BIT:
            num = abs((mul(w, x) + mul(y, z)) << 1)
            den = ONE - ((mul(x, x) + mul(y, y)) << 1)
            if den <= 0 or num > mul(self._enter[1], den):
                outside |= LATERAL_BIT
            if den <= 0 or num > mul(self._exit[1], den):
                inside &= ~LATERAL_BIT
        if axes & ROTATION_BIT:
            num = abs((mul(w, z) + mul(x, y)) << 1)
            den = ONE - ((mul(y, y) + mul(z, z)) << 1)
            if den <= 0 or num > mul(self._enter[2], den):
                outside |= ROTATION_BIT
            if den <= 0 or num > mul(self._exit[2], den):
                inside &= ~ROTATION_BIT
        self.outside = outside
        self.inside = inside

    def size2(self):
        """x^2 + y^2 + z^2 of the deviation: sin^2(angle / 2), Q28 (any axis, any sign)."""
        d = self.d
        return mul(d[1], d[1]) + mul(d[2], d[2]) + mul(d[3], d[3])

    def angles_deg(self):
        """(rotation, flexion, lateral) in degrees. Floats: not for the per-sample path."""
        w, x, y, z = (v / ONE for v in self.d)
        flex = math.asin(max(-1.0, min(1.0, 2 * (w * y - x * z))))
        lat = math.atan2(2 * (w * x + y * z), 1 - 2 * (x * x + y * y))
        rot = math.atan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z))
        return math.degrees(rot), math.degrees(flex), math.degrees(lat)
