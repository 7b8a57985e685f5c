"""The per-sample path allocates nothing: proven under micropython.heap_lock().

The chip model produces samples while the heap is unlocked (as the real chip
does, outside the MCU); then, with the heap locked, the firmware drains the
FIFO and runs its per-sample pipeline. Any allocation raises MemoryError.
"""

import array

from fwtest import is_micropython, skip
from imuharness import RampSource, rig

from korsetfw.app import App
from korsetfw.lsm6dsox import LSM6DSOX
from korsetfw.settings import Settings


class _Motor:
    on = False


class _Hardware:
    def __init__(self, imu):
        self.imu = imu
        self.motor = _Motor()


class _Clock:
    def __init__(self, clock):
        self._clock = clock

    def ticks_us(self):
        return self._clock.now_us()


BOARD = {"name": "test", "imu": {"alignment": "-Z+Y+X"}}


def _app():
    clock, bus, chip = rig(RampSource())
    imu = LSM6DSOX(bus, rate_hz=104, batch=16)
    app = App(BOARD, Settings(), _Hardware(imu), _Clock(clock), out=None)
    return clock, chip, app


def test_per_sample_path_allocates_nothing():
    if not is_micropython():
        skip("heap_lock exists only on MicroPython; CPython allocates every int")
    import micropython

    clock, chip, app = _app()
    total = 0
    for _ in range(300):  # about 3 s of data, 10 ms passes
        clock.advance_us(10000)
        chip._update()  # the chip samples (allocation allowed: it is not the MCU)
        micropython.heap_lock()
        try:
            n = app.step()
        finally:
            micropython.heap_unlock()
        total += n
    assert total >= 300
    assert app.sample_count == total
    assert app.imu.overruns == 0 and app.imu.bus_errors == 0


def test_heap_lock_catches_an_allocation():
    """The proof above can fail: the same harness catches one float operation."""
    if not is_micropython():
        skip("heap_lock exists only on MicroPython")
    import micropython

    x = array.array("h", [3])
    micropython.heap_lock()
    try:
        _ = x[0] * 0.5
        caught = False
    except MemoryError:
        caught = True
    finally:
        micropython.heap_unlock()
    assert caught
