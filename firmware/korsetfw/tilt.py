"""Gravity direction from the accelerometer, in integers.

A first-order low-pass on each body-frame accelerometer axis, kept as counts
scaled by 2**8 so that the per-sample update is integer-only and allocates
nothing (MicroPython boxes every float). Time constant: 2**shift samples.
Angles are computed on demand, not per sample.

This is the foundation's view of posture; the orientation filter of the
firmware pipeline replaces it for deviation tracking.
"""

import math

_FRAC = 8


class Tilt:
    def __init__(self, shift=6):
        self.shift = shift
        self.g = [0, 0, 0]  # counts << _FRAC
        self.started = False

    def update(self, samples, n):
        """Feed ``n`` body-frame samples (6 counts each, accel first)."""
        g = self.g
        sh = self.shift
        for b in range(0, 6 * n, 6):
            if not self.started:
                g[0] = samples[b] << _FRAC
                g[1] = samples[b + 1] << _FRAC
                g[2] = samples[b + 2] << _FRAC
                self.started = True
            else:
                g[0] += ((samples[b] << _FRAC) - g[0]) >> sh
                g[1] += ((samples[b + 1] << _FRAC) - g[1]) >> sh
                g[2] += ((samples[b + 2] << _FRAC) - g[2]) >> sh

    def angles_deg(self):
        """(forward flexion, side bend to the right) of the gravity vector, degrees.

        Body frame x anterior, y left, z up: bending forward by a turns the
        measured specific force to (-g sin a, 0, g cos a).
        """
        gx, gy, gz = self.g
        flex = math.degrees(math.atan2(-gx, gz)) if (gx or gz) else 0.0
        side = math.degrees(math.atan2(gy, gz)) if (gy or gz) else 0.0
        return flex, side

    def magnitude_counts(self):
        gx, gy, gz = self.g
        return math.sqrt(gx * gx + gy * gy + gz * gz) / (1 << _FRAC)
