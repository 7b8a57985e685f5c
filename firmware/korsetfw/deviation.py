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

from korsetfw.compat import const
from korsetfw.fixedpoint import ONE, mul, q28

FLEXION_BIT = const(1)
LATERAL_BIT = const(2)
ROTATION_BIT = const(4)
AXIS_BITS = {"flexion": FLEXION_BIT, "lateral": LATERAL_BIT, "rotation": ROTATION_BIT}


class Deviation:
    def __init__(self):
        self.ref = [ONE, 0, 0, 0]  # conjugate of the reference is used
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

    def update(self, q):
        """Deviation of attitude ``q`` from the reference; sets ``outside``/``inside``."""
        r = self.ref
        a0 = r[0]
        a1 = -r[1]
        a2 = -r[2]
        a3 = -r[3]
        b0 = q[0]
        b1 = q[1]
        b2 = q[2]
        b3 = q[3]
        w = mul(a0, b0) - mul(a1, b1) - mul(a2, b2) - mul(a3, b3)
        x = mul(a0, b1) + mul(a1, b0) + mul(a2, b3) - mul(a3, b2)
        y = mul(a0, b2) - mul(a1, b3) + mul(a2, b0) + mul(a3, b1)
        z = mul(a0, b3) + mul(a1, b2) - mul(a2, b1) + mul(a3, b0)
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
