"""Motion sources for the simulated IMU: what the chip's axes feel over time.

A trace file is what the host writes for the virtual board: the recording
contract (t, specific force in m/s^2, angular rate in rad/s) already turned
into the chip's own axes. Layout, little-endian: b"KTRC", uint32 row count,
then the times as float64 seconds, then the rows as 6 float32 each.
"""

import array
import struct

MAGIC = b"KTRC"


class TraceSource:
    def __init__(self, t, values):
        self.t = t  # array('d'), seconds, increasing
        self.values = values  # array('f'), 6 per row
        self._i = 0

    @classmethod
    def load(cls, path):
        with open(path, "rb") as f:
            head = f.read(8)
            if len(head) != 8 or head[:4] != MAGIC:
                raise ValueError("%s is not a virtual-board trace" % path)
            n = struct.unpack("<I", head[4:])[0]
            t = array.array("d", bytes(8 * n))
            f.readinto(t)
            values = array.array("f", bytes(24 * n))
            f.readinto(values)
        return cls(t, values)

    @property
    def end_s(self):
        return self.t[len(self.t) - 1] if len(self.t) else 0.0

    def sample(self, t_s, out):
        """Linear interpolation at t_s; before the start or after the end, hold."""
        t = self.t
        n = len(t)
        if n == 0:
            for j in range(6):
                out[j] = 0.0
            return
        i = self._i
        if i >= n or t[i] > t_s:
            i = 0  # rewind (rare: sampling restarts)
        while i + 1 < n and t[i + 1] <= t_s:
            i += 1
        self._i = i
        v = self.values
        if i + 1 >= n or t_s <= t[i]:
            for j in range(6):
                out[j] = v[6 * i + j]
            return
        w = (t_s - t[i]) / (t[i + 1] - t[i])
        for j in range(6):
            a = v[6 * i + j]
            out[j] = a + (v[6 * (i + 1) + j] - a) * w
