"""The per-sample path allocates nothing: proven under micropython.heap_lock().

The chip model produces samples while the heap is unlocked (as the real chip
does, outside the MCU); then, with the heap locked, the firmware drains the
FIFO and runs its whole per-sample pipeline through a set: calibration, the
reference, repetitions, a fault buzzing on and off. Any allocation raises
MemoryError.
"""

import array

from fwtest import is_micropython, skip
from imuharness import Ticks, rig, sample_pass
from vbare import BareHardware
from vmotions import Bends

from korsetfw import catalogue
from korsetfw import events as ev
from korsetfw.app import App
from korsetfw.lsm6dsox import LSM6DSOX
from korsetfw.pipeline import SetConfig
from korsetfw.settings import Settings

BOARD = {"name": "test", "imu": {"alignment": "-Z+Y+X"}}


def _app():
    clock, bus, chip = rig(Bends())
    imu = LSM6DSOX(bus, rate_hz=104, batch=16)
    app = App(BOARD, Settings(), BareHardware(imu), Ticks(clock), out=None)
    app.pipeline.configure(SetConfig(catalogue.get(6)))
    app.pipeline.start_set()
    return clock, chip, app


def _run(seconds, locked):
    clock, chip, app = _app()
    seen = []
    step = app.step  # bound once: binding a method allocates
    for _ in range(int(seconds * 100)):
        sample_pass(clock, chip, step, locked)
        p = app.pipeline
        for i in range(p.n_events):
            seen.append(p.events[3 * i])
        p.n_events = 0
    return app, seen


def test_the_pipeline_runs_a_set():
    """On both runtimes: reference, reps, and the big bend buzzes on and off."""
    app, seen = _run(22.0, False)
    assert seen[0] == ev.SET_START and ev.REFERENCE in seen
    assert seen.count(ev.BUZZ_ON) == 1 and seen.count(ev.BUZZ_OFF) == 1
    assert seen.count(ev.REP) >= 3
    assert app.imu.overruns == 0 and app.imu.bus_errors == 0


def test_per_sample_path_allocates_nothing():
    if not is_micropython():
        skip("heap_lock exists only on MicroPython; CPython allocates every int")
    app, seen = _run(22.0, True)
    # The same set as above, all of it with the heap locked.
    assert ev.REFERENCE in seen and ev.BUZZ_ON in seen and ev.BUZZ_OFF in seen
    assert seen.count(ev.REP) >= 3


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
