"""Motion sources for the simulated IMU: what the chip's axes feel over time.

A trace file is what the host writes for the virtual board: the recording
contract (t, specific force in m/s^2, angular rate in rad/s) already turned
into the chip's own axes. Layout, little-endian: b"KTRC", uint32 row count,
then the times as float64 seconds, then the rows as 6 float32 each.

The trace is read from its file through a window of ``WINDOW_ROWS`` rows in
buffers made once, never loaded whole: a board's heap is a couple of hundred
kilobytes, and the virtual board runs with a heap of that order
(``korset.vboard.HEAP_SIZE``), so that the firmware's own use of it is what
is tested, whatever the trace's length. Reading never allocates.
"""

import array
import struct

MAGIC = b"KTRC"
WINDOW_ROWS = 256  # 8 KB of buffers; a refill every ~2.5 s at 104 Hz
_HEAD_BYTES = 8


class TraceSource:
    def __init__(self, f, n):
        """``f``: the open trace file; ``n``: its rows."""
        self._f = f
        self.n = n
        self._t = array.array("d", bytes(8 * WINDOW_ROWS))
        self._v = array.array("f", bytes(24 * WINDOW_ROWS))
        self._t_view = memoryview(self._t)
        self._v_view = memoryview(self._v)
        self._first = 0  # row of the window's first entry
        self._rows = 0  # rows in the window
        self._i = 0  # row (absolute) the last sample was between
        self._load(0)
        last = array.array("d", bytes(8))
        if n:
            f.seek(_HEAD_BYTES + 8 * (n - 1))
            f.readinto(last)
        self.end_s = last[0]

    @classmethod
    def load(cls, path):
        f = open(path, "rb")
        head = f.read(_HEAD_BYTES)
        if len(head) != _HEAD_BYTES or head[:4] != MAGIC:
            f.close()
            raise ValueError("%s is not a virtual-board trace" % path)
        return cls(f, struct.unpack("<I", head[4:])[0])

    def _load(self, first):
        """Fill the window from row ``first``."""
        rows = min(WINDOW_ROWS, self.n - first)
        f = self._f
        if rows > 0:
            f.seek(_HEAD_BYTES + 8 * first)
            f.readinto(self._t_view[:rows])
            f.seek(_HEAD_BYTES + 8 * self.n + 24 * first)
            f.readinto(self._v_view[:6 * rows])
        self._first = first
        self._rows = max(0, rows)

    def _row(self, i):
        """Make row i and i + 1 (when it exists) sit in the window; i's index in it."""
        k = i - self._first
        if k < 0 or k >= self._rows or (k + 1 >= self._rows and i + 1 < self.n):
            self._load(i)
            k = 0
        return k

    def _time(self, i):
        return self._t[self._row(i)]

    def sample(self, t_s, out):
        """Linear interpolation at t_s; before the start or after the end, hold."""
        n = self.n
        if n == 0:
            for j in range(6):
                out[j] = 0.0
            return
        i = self._i
        if i >= n or self._time(i) > t_s:
            i = 0  # rewind (rare: sampling restarts)
        while i + 1 < n and self._time(i + 1) <= t_s:
            i += 1
        self._i = i
        k = self._row(i)
        t = self._t
        v = self._v
        if i + 1 >= n or t_s <= t[k]:
            for j in range(6):
                out[j] = v[6 * k + j]
            return
        w = (t_s - t[k]) / (t[k + 1] - t[k])
        for j in range(6):
            a = v[6 * k + j]
            out[j] = a + (v[6 * (k + 1) + j] - a) * w
