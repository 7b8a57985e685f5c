"""Helpers for session tests on both runtimes: sample data and the app's recording loop."""

import array
import io

from fwtest import Rng

from korsetfw import session as fmt
from korsetfw import sessiondecode as dec
from korsetfw.recorder import Recorder


class MemoryFile:
    """A file in memory whose bytes stay readable after close."""

    def __init__(self):
        self.buf = io.BytesIO()
        self.saved = None

    def write(self, data):
        return self.buf.write(data)

    def flush(self):
        pass

    def close(self):
        self.saved = self.buf.getvalue()


def walk(n, seed, step=20, extremes=False):
    """n samples of 6 axes: a random walk, clipped to int16; with extremes, full-range jumps."""
    rng = Rng(seed)
    out = array.array("h", bytes(12 * n))
    v = [0] * 6
    for i in range(n):
        for a in range(6):
            x = v[a] + rng.randint(-step, step)
            if extremes and rng.randint(0, 30) == 0:
                x = rng.randint(-32768, 32767)
            x = -32768 if x < -32768 else 32767 if x > 32767 else x
            v[a] = x
            out[6 * i + a] = x
    return out


def record_into(f, samples, n, rate_hz=104, chunk_s=0.5, per_pass=13, events=(), header=None):
    """Record into ``f`` as the app does: add a pass of samples, record events, encode/write."""
    rec = Recorder(rate_hz, chunk_s=chunk_s)
    rec.begin(f, header or {"rate_hz": rate_hz})
    pending = list(events)
    i = 0
    while i < n:
        k = per_pass if n - i > per_pass else n - i
        rec.add(memoryview(samples)[6 * i:6 * (i + k)], k)
        i += k
        while pending and pending[0][1] < i:
            code, index, value = pending.pop(0)
            rec.event(code, index, value)
        while rec.encode():
            rec.write()
    rec.finish({"reason": fmt.END_STOPPED, "count": 3})


def record(samples, n, **options):
    f = MemoryFile()
    record_into(f, samples, n, **options)
    return f.saved


def flat(decoded):
    out = []
    for _first, s in decoded.segments:
        out.extend(s)
    return out


def chunk_starts(raw):
    """Offsets of every chunk of an intact session, and its length."""
    starts = [0]
    offset = 0
    while offset < len(raw):
        offset = dec.parse_chunk(raw, offset)[4]
        starts.append(offset)
    return starts
