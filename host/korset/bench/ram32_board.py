"""Run on the 32-bit MicroPython by ram32.mjs: the firmware's live heap, phase by phase.

Phases:

1. the baseline: the simulated chip, its bus, clock and motion, imported and
   built, and stand-ins for the port's C modules (``bluetooth``; ``os.urandom``,
   which the webassembly port lacks) and pins: none of it is the board's;
2. boot as ``/main.py`` does it (``korsetfw.boot.parts`` with ``/board.json``,
   ``/korset.key`` and no settings file, the boot-only modules dropped as it
   goes, then boot itself; then ``korsetfw.assemble.app``: App and BLE link
   built, and assemble dropped), with the hardware ``hw.build`` would make (the
   IMU driver on the simulated bus, the motor and battery on stand-in pins):
   the heap at boot's end;
3. the link started, as ``App.run`` does first;
4. a set started with recording to a session file;
5. the set run second by second (the peak);
6. the set stopped and the App and link let go: what is left is the firmware's
   modules as boot left them (code and module-level tables).

Every figure is gc.mem_alloc() after gc.collect() at the start of the next
runPython() call, less the baseline.
"""

import gc
import json
import sys

SECONDS = 60
_live_after = {}  # step name -> live heap after it
_state = {"done": None, "step": 0, "peak": 0, "t": 0}
_objects = {}
_RESULT = {}


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
        import micropython

        print("@@qstr " + done)  # ram32.py reads the line qstr_info prints next
        micropython.qstr_info()


def next_phase():
    """Do the next step; False when there is none left."""
    step = _state["step"]
    if step == 0:
        _simulator()
        _state["done"] = "simulator"
    elif step == 1:
        _boot()
        _state["done"] = "boot"
    elif step == 2:
        _start()
        _state["done"] = "booted"
    elif step == 3:
        _start_set()
        _state["done"] = "set"
    elif _state["t"] < SECONDS:
        _run_second()
        _state["done"] = "run"
        return True
    elif step == 4:
        _end()
        _state["done"] = "modules"
    else:
        return False
    _state["step"] = step + 1
    return True


class _Radio:
    """``bluetooth.BLE`` as far as boot and ``Link.start`` use it: nobody connects."""

    def active(self, on=None):
        return True

    def config(self, *args, **kwargs):
        if "bond" in kwargs:
            raise ValueError("unknown config param")  # BTstack, as the board file says

    def irq(self, handler):
        pass

    def gatts_register_services(self, services):
        handles = []
        n = 0
        for _uuid, characteristics in services:
            handles.append(tuple(range(n, n + len(characteristics))))
            n += len(characteristics)
        return handles

    def gatts_set_buffer(self, handle, size):
        pass

    def gatts_write(self, handle, value):
        pass

    def gap_advertise(self, interval_us, adv_data=None, resp_data=None):
        pass


class _Bluetooth:
    """Stands in for the port's ``bluetooth`` module (C on every board: no heap)."""

    BLE = _Radio
    UUID = str


class _Pwm:
    """``machine.PWM`` as the motor drives it."""

    def duty_u16(self, value=None):
        return 0


class _Adc:
    """``machine.ADC`` at half scale."""

    def read_u16(self):
        return 32768


class _Os:
    """The port's ``os`` (the webassembly port's lacks ``urandom``, which every board's has:
    boot draws its boot id from it): its attributes copied, ``urandom`` added."""

    def __init__(self, real):
        for name in dir(real):
            if not name.startswith("__"):
                setattr(self, name, getattr(real, name))

    @staticmethod
    def urandom(n):
        import random

        return bytes(random.getrandbits(8) for _ in range(n))


def _simulator():
    import lsm6dsox_model
    import machine  # noqa: F401 (the virtual board's, standing in for the port's)
    import vbare
    import vclock
    import vi2c
    import vmotions

    # The simulated chip, its bus, clock and motion are the baseline too: not the board's.
    clock = vclock.ManualClock()
    bus = vi2c.I2CBus(clock, 400000)
    chip = lsm6dsox_model.LSM6DSOXModel(clock, vmotions.Bends())
    bus.attach(0x6A, chip)
    sys.modules["bluetooth"] = _Bluetooth
    import os

    if not hasattr(os, "urandom"):
        sys.modules["os"] = _Os(os)
    _objects.update(clock=clock, bus=bus, chip=chip, ticks=vbare.Ticks(clock),
                    radio=_Radio(), pwm=_Pwm(), adc=_Adc())


def _boot():
    from vbare import BareHardware

    from korsetfw import boot
    from korsetfw.battery import Battery
    from korsetfw.lsm6dsox import LSM6DSOX
    from korsetfw.motor import Motor

    # What hw.build makes of the board file, on the simulated bus and stand-in pins.
    ticks = _objects["ticks"]
    hardware = BareHardware(LSM6DSOX(_objects["bus"], rate_hz=104, batch=16),
                            Motor(_objects["pwm"], 70, 100, 40, ticks))
    hardware.ble = _objects["radio"]
    hardware.battery = Battery(_objects["adc"], 2.0)
    parts = boot.parts(hardware, ticks)
    import korsetfw  # then as /main.py does: boot dropped before the App is assembled

    del boot
    korsetfw.forget("boot")
    from korsetfw import assemble

    _objects["app"] = assemble.app(*parts)
    del assemble, parts
    korsetfw.forget("assemble")


def _start():
    _objects["app"].link.start()  # as App.run does first


def _start_set():
    from korsetfw import catalogue

    _objects["app"].start_set(catalogue.get(3))


def _run_second():
    app = _objects["app"]
    clock = _objects["clock"]
    chip = _objects["chip"]
    for _ in range(100):  # 10 ms passes, as the main loop's
        clock.advance_us(10000)
        chip._update()
        app.step()
        app.handle_events()
        app.recording.service()
    _state["t"] += 1


def _end():
    app = _objects.pop("app")
    _RESULT.update(recorded_bytes=app.recording.bytes_written(), samples=app.pipeline.sample_no)
    app.stop_set()


def report():
    base = _live_after["simulator"]
    after_set = _live_after["set"] - base
    print("@@ram32 " + json.dumps({
        "after_import_bytes": _live_after["modules"] - base,
        "boot_end_bytes": _live_after["boot"] - base,
        "booted_bytes": _live_after["booted"] - base, "after_boot_bytes": after_set,
        "peak_bytes": max(_state["peak"], after_set), "seconds": SECONDS,
        "recorded_bytes": _RESULT["recorded_bytes"], "samples": _RESULT["samples"]}))
