"""Scripted motions in the chip's own axes, for firmware tests and benchmarks on MicroPython.

``Bends``: the virtual board worn standing (chip +X up, +Z out of the back),
still for 4 s, then a forward bend about the chip's Y axis every 4 s: small
ones of 1.5 degrees and, every third, one of 12 degrees (a fault for every
leaflet tolerance).
"""

import math

STANDARD_GRAVITY = 9.80665


class Bends:
    def __init__(self, big_every=3):
        self.big_every = big_every

    def sample(self, t_s, out):
        a, rate = self.angle(t_s)
        out[0] = STANDARD_GRAVITY * math.cos(a)
        out[1] = 0.0
        out[2] = STANDARD_GRAVITY * math.sin(a)
        out[3] = 0.0
        out[4] = rate
        out[5] = 0.0

    def angle(self, t):
        if t < 4.0:
            return 0.0, 0.0
        k = int((t - 4.0) // 4.0)
        phase = (t - 4.0) - 4.0 * k
        peak = math.radians(12.0 if k % self.big_every == 2 else 1.5)
        if phase > 2.0:
            return 0.0, 0.0
        w = math.pi * phase  # one raised cosine over 2 s
        return peak * 0.5 * (1 - math.cos(w)), peak * 0.5 * math.pi * math.sin(w)
