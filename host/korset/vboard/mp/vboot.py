"""Boot the virtual board: wire the simulated hardware, mount flash, run main.py.

Run by the host as ``micropython vboot.py CONFIG.json`` with this directory
first on MICROPYPATH. It does what a port's start-up code does, on simulated
parts: it builds the clock, the I2C buses with their chips and the flash block
device, mounts LittleFS at ``/`` (formatting a blank image, as ports do on
first boot), then runs ``/main.py`` from that filesystem with
``sys.path = ['', '/lib']``. Host files (config, trace, logs) are opened
before the host filesystem is unmounted; nothing else of the host is
reachable from the firmware.

Exit status: 0 when the run ends by power-off (end of the motion trace),
75 when the firmware called machine.reset() (the launcher boots again),
1 when the firmware raised.

Serial mode (config ``"repl": {"run_main": bool}``, run as ``micropython -i``):
as a board with a USB serial REPL. main.py runs (unless ``run_main`` is false,
as after a soft reset in the raw REPL), Ctrl-C (SIGINT) stops it with the
traceback a board prints, and then the interpreter's REPL takes over on the
same filesystem, so mpremote can copy files, run code and reset the board
(exit status 75; ``korset.vboard.serial`` restarts it).
"""

import json
import os
import sys

import vclock
import vflash
import vfs
import vhw
import vi2c
import vshaker
import vsource

_MODELS = {
    "lsm6dsox": "lsm6dsox_model.LSM6DSOXModel",
    "mpu6886": "mpu6886_model.MPU6886Model",
    "mpu6050": "mpu6886_model.MPU6050Model",
}


def _model_class(name):
    module_name, cls_name = _MODELS[name].split(".")
    return getattr(__import__(module_name), cls_name)


class _Still:
    """Motion source when no trace is given: lying flat, chip z up, at rest."""

    def sample(self, t_s, out):
        for j in range(6):
            out[j] = 0.0
        out[2] = 9.80665


def _copy_tree(src_dir, dest_dir):
    """Copy a host directory onto the mounted flash, file by file through one buffer (what
    flashing does; a board-sized heap holds no whole firmware tree)."""
    buf = bytearray(1024)
    view = memoryview(buf)

    def walk(rel):
        for entry in os.ilistdir(src_dir + rel):
            name, kind = entry[0], entry[1]
            path = rel + "/" + name
            if kind == 0x4000:
                try:
                    os.mkdir(dest_dir + path)
                except OSError:
                    pass  # already there
                walk(path)
                continue
            with open(src_dir + path, "rb") as src, open(dest_dir + path, "wb") as dest:
                while True:
                    n = src.readinto(buf)
                    if not n:
                        break
                    dest.write(view[:n])

    walk("")


def main(config_path):
    with open(config_path) as f:
        cfg = json.load(f)

    clock = vclock.SimClock(speed=cfg.get("speed", 0.0), stop_at_us=None)
    vclock.clock = clock

    source = vsource.TraceSource.load(cfg["trace"]) if cfg.get("trace") else _Still()
    stop_at_s = cfg.get("stop_at_s")
    if stop_at_s is not None:
        clock.stop_at_us = int(stop_at_s * 1000000)

    shaker = vshaker.Shaker()
    vhw.shaker = shaker
    vhw.motor_pin = cfg.get("motor_pin")
    vhw.button_pin = cfg.get("button_pin")
    vhw.button_presses_us = tuple(
        (int(a * 1000000), int(b * 1000000)) for a, b in cfg.get("button_presses_s", ()))
    for bus_cfg in cfg["i2c"]:
        bus = vi2c.I2CBus(clock)
        for dev in bus_cfg["devices"]:
            model = _model_class(dev["model"])(clock, source)
            model.shaker = shaker  # the motor sits next to the IMU
            model.clock_ppm = cfg.get("imu_clock_ppm", 0)
            bus.attach(dev["address"], model)
        bus.fail_transfers = set(bus_cfg.get("fail_transfers", ()))
        vhw.i2c_buses[bus_cfg["id"]] = bus
    vhw.unique_id = bytes.fromhex(cfg.get("unique_id", "0000000000000000"))
    if cfg.get("ble"):
        vhw.ble_address = tuple(cfg["ble"])
    vhw.ble_stack = cfg.get("ble_stack") or "nimble"
    vhw.ble_faults = cfg.get("ble_faults")
    for pin, value in cfg.get("adc_u16", {}).items():
        vhw.adc_u16[int(pin) if pin.isdigit() else pin] = value
    if cfg.get("pin_log"):
        # Appended to: a board that resets (soft reset, machine.reset) boots again in a
        # new process, and what its pins did before must not vanish with the old one.
        vhw.pin_log = open(cfg["pin_log"], "a")

    import time  # noqa: F401

    import bluetooth  # noqa: F401  (the radio shim, cached likewise)
    import machine  # noqa: F401  (the shim, cached before the host fs goes away)

    # Serial mode: tells the port's bridge that start-up is over (before this, an
    # interrupt would leave the board half set up).
    ready = open(cfg["ready_file"], "w") if cfg.get("ready_file") else None
    bdev = vflash.FileBlockDevice.open(
        cfg["flash_image"], cfg["flash_size_bytes"], cfg.get("block_size_bytes", 4096)
    )

    try:
        fs = vfs.VfsLfs2(bdev)
    except OSError:
        vfs.VfsLfs2.mkfs(bdev)
        fs = vfs.VfsLfs2(bdev)
    if cfg.get("provision_dir"):
        vfs.mount(fs, "/flash")  # beside the host's filesystem, for the copy only
        _copy_tree(cfg["provision_dir"], "/flash")
        vfs.umount("/flash")
    vfs.umount("/")
    vfs.mount(fs, "/")
    os.chdir("/")
    sys.path[:] = ["", "/lib"]

    status = 0
    repl = cfg.get("repl")
    try:
        code = None
        if repl is None or repl.get("run_main", True):
            try:
                with open("/main.py") as f:
                    code = f.read()
            except OSError:
                print("vboard: no /main.py on the board")
        if ready is not None:  # what runs now: main.py, or straight the REPL
            ready.write("main\n" if code is not None else "repl\n")
            ready.close()
        if code is not None:
            exec(compile(code, "main.py", "exec"), {"__name__": "__main__"})
    except vclock.PowerOff:
        pass
    except machine.Reset:
        status = 75
    except KeyboardInterrupt as e:  # Ctrl-C on the serial REPL
        if repl is None:
            raise
        sys.print_exception(e)
    except Exception as e:  # the board would print it and drop to the REPL
        sys.print_exception(e)
        status = 1
    finally:
        if repl is None:  # in serial mode the REPL goes on driving the pins
            if vhw.pin_log is not None:
                vhw.pin_log.close()
            print("vboard: off at %.3f s" % (clock.now_us() / 1e6))
    if repl is not None and status != 75:
        return None  # on to the REPL (micropython -i)
    return status


if __name__ == "__main__":
    _status = main(sys.argv[1])
    if _status is not None:
        sys.exit(_status)
