"""Run on the 32-bit MicroPython by ram32.mjs: the firmware's live heap, phase by phase.

Phases: the simulated chip, its bus, clock and motion, imported and built (the
baseline: they are not the board's);
the firmware's imports, as boot makes them; an App built and a set started with
recording to a session file; then the set run second by second. Every figure is
gc.mem_alloc() after gc.collect() at the start of the next runPython() call, less
the baseline.
"""

import gc
import json

SECONDS = 60
_live_after = {}  # step name -> live heap after it
_state = {"done": None, "step": 0, "peak": 0, "t": 0}
_objects = {}


def _live():
    gc.collect()
    return gc.mem_alloc()


def measure():
    """The live heap after the step the last call did (its garbage is collectable now)."""
    done = _state["done"]
    if done is None:
        return
    live = _live()
    if done == "run":
        base = _live_after["simulator"]
        _state["peak"] = max(_state["peak"], live - base)
    else:
        _live_after[done] = live


def next_phase():
    """Do the next step; False when there is none left."""
    step = _state["step"]
    if step == 0:
        _import_simulator()
        _state["done"] = "simulator"
    elif step == 1:
        _import_firmware()
        _state["done"] = "import"
    elif step == 2:
        _boot()
        _state["done"] = "boot"
    elif _state["t"] < SECONDS:
        _run_second()
        _state["done"] = "run"
        return True
    else:
        return False
    _state["step"] = step + 1
    return True


def _import_simulator():
    import lsm6dsox_model
    import machine  # noqa: F401 (the virtual board's, standing in for the port's)
    import vbare  # noqa: F401
    import vclock
    import vi2c
    import vmotions

    # The simulated chip, its bus, clock and motion are the baseline too: not the board's.
    clock = vclock.ManualClock()
    bus = vi2c.I2CBus(clock, 400000)
    chip = lsm6dsox_model.LSM6DSOXModel(clock, vmotions.Bends())
    bus.attach(0x6A, chip)
    _objects.update(clock=clock, bus=bus, chip=chip)


def _import_firmware():
    # What korsetfw.boot imports on a board with BLE (the bluetooth port module aside).
    from korsetfw import (  # noqa: F401
        app,
        boarddef,
        boardkey,
        bonds,
        catalogue,
        hw,
        link,
        lsm6dsox,
        settings,
        store,
        wallclock,
    )


def _boot():
    from vbare import BareHardware, QuietMotor, Ticks

    from korsetfw import catalogue, settings
    from korsetfw.app import App
    from korsetfw.lsm6dsox import LSM6DSOX
    from korsetfw.store import SessionStore

    clock = _objects["clock"]
    bus = _objects["bus"]
    hw = BareHardware(LSM6DSOX(bus, rate_hz=104, batch=16), QuietMotor())
    board = {"name": "ram32", "imu": {"alignment": "-Z+Y+X"}, "button": {"active_low": True}}
    store = SessionStore("/data", 0)
    store.ensure()
    app = App(board, settings.Settings(), hw, Ticks(clock), out=lambda line: None, store=store)
    app.start_set(catalogue.get(3))
    _objects["app"] = app


def _run_second():
    app = _objects["app"]
    clock = _objects["clock"]
    chip = _objects["chip"]
    for _ in range(100):  # 10 ms passes, as the main loop's
        clock.advance_us(10000)
        chip._update()
        app.step()
        app.handle_events()
        app.service_recording()
    _state["t"] += 1


def report():
    base = _live_after["simulator"]
    after_boot = _live_after["boot"] - base
    print("@@ram32 " + json.dumps({
        "after_import_bytes": _live_after["import"] - base, "after_boot_bytes": after_boot,
        "peak_bytes": max(_state["peak"], after_boot), "seconds": SECONDS,
        "recorded_bytes": _objects["app"].recorder.bytes_written,
        "samples": _objects["app"].pipeline.sample_no}))
