"""The virtual board's motion trace, read through a small window (vsource.TraceSource):
the same interpolation as the whole trace in memory, at any length."""

import array
import struct

import vsource
from fwtest import Rng, approx


def _write(path, t, rows):
    with open(path, "wb") as f:
        f.write(vsource.MAGIC + struct.pack("<I", len(t)))
        f.write(bytes(array.array("d", t)))
        f.write(bytes(array.array("f", [v for row in rows for v in row])))


def _expected(t, rows, ts, j):
    if ts <= t[0]:
        return rows[0][j]
    if ts >= t[-1]:
        return rows[-1][j]
    i = 0
    while t[i + 1] <= ts:
        i += 1
    w = (ts - t[i]) / (t[i + 1] - t[i])
    return rows[i][j] + (rows[i + 1][j] - rows[i][j]) * w


def test_windowed_reading_interpolates_like_the_whole_trace():
    rng = Rng(5)
    n = 3 * vsource.WINDOW_ROWS + 17  # several windows and a partial last one
    t = []
    now = 0.0
    for _ in range(n):
        now += 0.005 + rng.randint(0, 100) / 10000  # uneven steps, as a real recording's
        t.append(now)
    rows = [[float(rng.randint(-2000, 2000)) / 100 for _ in range(6)] for _ in range(n)]
    path = "vsource-test.trc"
    _write(path, t, rows)
    source = vsource.TraceSource.load(path)
    try:
        assert source.n == n and approx(source.end_s, t[-1], 1e-9)
        out = [0.0] * 6
        times = [t[0] - 1.0] + [t[0] + k * (t[-1] - t[0]) / 997 for k in range(998)]
        times += [t[-1] + 2.0, t[10] + 0.001]  # past the end, then a rewind
        for ts in times:
            source.sample(ts, out)
            for j in range(6):
                assert approx(out[j], _expected(t, rows, ts, j), 1e-3), (ts, j)
    finally:
        source._f.close()
        import os

        os.remove(path)
