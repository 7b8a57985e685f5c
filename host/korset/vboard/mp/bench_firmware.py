"""Per-sample cost of the firmware on MicroPython: driver read to detector decision.

Run by ``korset bench firmware`` as ``micropython bench_firmware.py SECONDS RATE``
with the firmware and this directory on MICROPYPATH. Three passes over the
same simulated set (standing, bends, faults):

1. the chip model produces samples and every bus response is recorded;
2. timing: a fresh driver and App read those responses from a replaying bus
   while ``time.ticks_us`` measures App.step(); the replaying bus copies in
   Python, byte by byte (on a board the I2C peripheral does that), so its
   own time, measured alone over the same reads, is subtracted;
3. allocation: the same again with the garbage collector off, comparing
   ``gc.mem_alloc`` before and after.

Passes 2 and 3 also record the set as a session (into a file that discards
what it is given): the recorder's per-sample work (``add`` in App.step,
``encode``) is timed and checked for allocation like the rest; writing a
chunk every ~2 s (CRC, file) is timed apart and may allocate.

Prints one JSON object.
"""

import array
import gc
import json
import sys

import utime as time  # the real clock: this directory's time.py is the board's simulated one
import vclock
import vi2c
from lsm6dsox_model import LSM6DSOXModel
from vbare import BareHardware
from vmotions import Bends

from korsetfw import catalogue
from korsetfw.app import App
from korsetfw.lsm6dsox import LSM6DSOX
from korsetfw.pipeline import SetConfig
from korsetfw.settings import Settings

BOARD = {"name": "bench", "imu": {"alignment": "-Z+Y+X"}}


class NullFile:
    def write(self, data):
        return len(data)

    def flush(self):
        pass

    def close(self):
        pass


class Recorder:
    """Wraps the simulated bus and keeps every read's response."""

    def __init__(self, bus):
        self.bus = bus
        self.data = bytearray()
        self.sizes = []

    def readfrom_mem_into(self, addr, reg, buf):
        self.bus.readfrom_mem_into(addr, reg, buf)
        self.data.extend(buf)
        self.sizes.append(len(buf))

    def writeto_mem(self, addr, reg, buf):
        self.bus.writeto_mem(addr, reg, buf)


class Replayer:
    """Answers reads with the recorded responses, in order."""

    def __init__(self, rec):
        self.data = rec.data
        self.sizes = array.array("H", rec.sizes)
        self.pos = 0
        self.i = 0

    def readfrom_mem_into(self, addr, reg, buf):
        # Byte by byte: allocates nothing (a slice would make a memoryview).
        n = self.sizes[self.i]
        p = self.pos
        d = self.data
        for k in range(n):
            buf[k] = d[p + k]
        self.pos = p + n
        self.i += 1

    def writeto_mem(self, addr, reg, buf):
        pass


class _Clock:
    """A clock that stands still (the App's start time, the session header's clocks)."""

    def ticks_us(self):
        return 0

    def ticks_ms(self):
        return 0

    def ticks_diff(self, a, b):
        return a - b


def make_app(bus, rate):
    imu = LSM6DSOX(bus, rate_hz=rate, batch=16)
    app = App(BOARD, Settings(), BareHardware(imu), _Clock(), out=None)
    app.pipeline.configure(SetConfig(catalogue.get(6)))
    app.pipeline.start_set()
    app.recording.record_to(NullFile())
    return app


def main(seconds, rate):
    clock = vclock.ManualClock()
    bus = vi2c.I2CBus(clock)
    chip = LSM6DSOXModel(clock, Bends())
    bus.attach(0x6A, chip)
    rec = Recorder(bus)
    app = make_app(rec, rate)
    period_ms = app._period_ms  # the main loop's pass, as on the board
    passes = int(seconds * 1000) // period_ms
    for _ in range(passes):
        clock.advance_us(period_ms * 1000)
        app.step()
        app.pipeline.n_events = 0
    samples = app.pipeline.sample_no

    # The replaying bus alone, over the same reads (init reads included).
    bus_alone = Replayer(rec)
    scratch = bytearray(max(rec.sizes))
    views = {}
    for size in rec.sizes:
        if size not in views:
            views[size] = memoryview(scratch)[:size]
    reads = [views[size] for size in rec.sizes]
    t0 = time.ticks_us()
    for v in reads:
        bus_alone.readfrom_mem_into(0x6A, 0, v)
    bus_us = time.ticks_diff(time.ticks_us(), t0)
    reads = None

    # Timing. Nothing in the loop allocates, so the collector cannot run in it.
    app = make_app(Replayer(rec), rate)
    pass_us = array.array("i", bytes(4 * passes))
    events = 0
    encode_us = 0
    write_us = 0
    chunks = 0
    gc.collect()
    for i in range(passes):
        t0 = time.ticks_us()
        app.step()
        pass_us[i] = time.ticks_diff(time.ticks_us(), t0)
        t0 = time.ticks_us()
        ready = app.recording.encode()
        encode_us += time.ticks_diff(time.ticks_us(), t0)
        if ready:
            t0 = time.ticks_us()
            app.recording.write()
            write_us += time.ticks_diff(time.ticks_us(), t0)
            chunks += 1
        events += app.pipeline.n_events
        app.pipeline.n_events = 0
    total_us = 0
    worst_us = 0
    for dt in pass_us:
        total_us += dt
        if dt > worst_us:
            worst_us = dt

    # Allocation, and the heap the firmware keeps.
    replayer = Replayer(rec)
    app = None
    gc.collect()
    before_app = gc.mem_alloc()
    app = make_app(replayer, rate)
    gc.collect()
    state_bytes = gc.mem_alloc() - before_app
    gc.disable()
    peak = gc.mem_alloc()
    allocated = 0
    for _ in range(passes):
        m0 = gc.mem_alloc()
        app.step()
        ready = app.recording.encode()
        allocated += gc.mem_alloc() - m0
        if ready:
            app.recording.write()  # every ~2 s: not per sample
        app.pipeline.n_events = 0
        m = gc.mem_alloc()
        if m > peak:
            peak = m
    gc.enable()
    print(json.dumps({
        "samples": samples,
        "rate_hz": rate,
        "events": events,
        "us_per_sample": (total_us - bus_us) / samples,
        "bus_emulation_us_per_sample": bus_us / samples,
        "loop_period_ms": period_ms,
        "worst_pass_us": worst_us,
        "alloc_bytes_per_sample": allocated / samples,
        "record_encode_us_per_sample": encode_us / samples,
        "record_write_us_per_chunk": write_us / max(1, chunks),
        "record_bytes_per_sample": app.recording.bytes_written() / samples,
        "firmware_state_bytes": state_bytes,
        "peak_heap_bytes": peak,
        "heap_total_bytes": gc.mem_alloc() + gc.mem_free(),
    }))


main(float(sys.argv[1]), int(sys.argv[2]))
