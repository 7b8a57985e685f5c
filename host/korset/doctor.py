"""Check a connected board and say what to fix: ``korset doctor``.

One script runs on the board over its serial REPL (mpremote) and reports, as
JSON, what the board has: MicroPython, the firmware, the board definition,
the IMU (identity through its driver, and a moment of samples: at rest they
must add up to about 1 g), a short buzz of the motor, BLE and storage. The
host turns that into findings, each with what to do about it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from korsetfw import FIRMWARE_VERSION

MIN_MICROPYTHON = (1, 22)


@dataclass
class Finding:
    ok: bool
    what: str
    detail: str
    fix: str = ""


_SCRIPT = r"""
import sys, os, json, time
r = {"mp": list(sys.implementation.version[:3]), "platform": sys.platform}
try:
    import korsetfw
    r["firmware"] = korsetfw.FIRMWARE_VERSION
except ImportError:
    r["firmware"] = None
board = None
try:
    from korsetfw import boarddef
    board = boarddef.load("/board.json")
    r["board"] = board["name"]
except Exception as e:
    r["board_error"] = repr(e)
hw = None
if board is not None:
    try:
        from korsetfw import hw as hwmod, settings
        hw = hwmod.build(board, settings.load("/settings.json"), time)
        if hw.imu is None:
            raise hw.imu_error
        imu = hw.imu
        r["imu"] = imu.NAME
        import array
        buf = array.array("h", bytes(12 * imu.batch))
        sums = [0] * 6
        got = 0
        for _ in range(30):
            time.sleep_ms(10)
            n = imu.read(buf)
            for i in range(n):
                for a in range(6):
                    sums[a] += buf[6 * i + a]
            got += n
        if got:
            g = [sums[a] / got * imu.accel_g_per_lsb for a in range(3)]
            dps = [sums[a] / got * imu.gyro_dps_per_lsb for a in range(3, 6)]
            r["samples"] = got
            r["accel_g"] = g
            r["gyro_dps"] = dps
        else:
            r["samples"] = 0
        r["bus_errors"] = imu.bus_errors
    except Exception as e:
        r["imu_error"] = repr(e)
if hw is not None:
    try:
        hw.motor.start()
        time.sleep_ms(250)
        hw.motor.stop()
        r["motor_ms"] = 250
    except Exception as e:
        r["motor_error"] = repr(e)
try:
    import bluetooth
    ble = bluetooth.BLE()
    ble.active(True)
    r["ble_mac"] = ":".join("%02X" % b for b in ble.config("mac")[1])
    ble.active(False)
except ImportError:
    r["ble_error"] = "this MicroPython build has no bluetooth module"
except Exception as e:
    r["ble_error"] = repr(e)
try:
    s = os.statvfs("/")
    r["fs_total"] = s[0] * s[2]
    r["fs_free"] = s[0] * s[3]
    r["min_free"] = board["storage"]["min_free_bytes"] if board else 0
    d = board["storage"]["data_dir"] if board else "/data"
    try:
        r["sessions"] = len([n for n in os.listdir(d) if n.endswith(".kss")])
    except OSError:
        r["sessions"] = 0
except Exception as e:
    r["fs_error"] = repr(e)
print(json.dumps(r))
"""


def examine(port: str) -> dict:
    from korset.flashing import connect, run_code

    transport = connect(port)
    try:
        report = json.loads(run_code(transport, _SCRIPT).splitlines()[-1])
        transport.exec_raw_no_follow("import machine\nmachine.reset()")  # back to main.py
    finally:
        transport.close()
    return report


def findings(r: dict) -> list[Finding]:
    out = []
    version = tuple(r["mp"])
    out.append(Finding(version[:2] >= MIN_MICROPYTHON, "MicroPython",
                       "%d.%d.%d on %s" % (*version, r["platform"]),
                       "install MicroPython 1.22 or later from micropython.org/download"))
    fw = r.get("firmware")
    out.append(Finding(fw == FIRMWARE_VERSION, "firmware",
                       f"korset {fw}" if fw else "not installed",
                       f"run korset flash --board NAME (this korset carries {FIRMWARE_VERSION})"))
    if "board_error" in r:
        out.append(Finding(False, "board definition", r["board_error"],
                           "run korset flash --board NAME to put a valid board.json on it"))
    elif "board" in r:
        out.append(Finding(True, "board definition", r["board"]))
    if "imu_error" in r:
        out.append(Finding(False, "IMU", r["imu_error"],
                           "check the IMU's wiring (SDA, SCL, 3V3, GND) and the address and "
                           "model in the board definition"))
    elif "imu" in r:
        g = r.get("accel_g")
        if not r.get("samples"):
            out.append(Finding(False, "IMU", f"{r['imu']} answers but gave no samples",
                               "check the FIFO configuration; try korset flash again"))
        else:
            magnitude = sum(x * x for x in g) ** 0.5
            still = sum(x * x for x in r["gyro_dps"]) ** 0.5
            out.append(Finding(0.85 < magnitude < 1.15, "IMU",
                               f"{r['imu']}: {r['samples']} samples, |a| = {magnitude:.2f} g, "
                               f"|w| = {still:.1f} deg/s, bus errors {r['bus_errors']}",
                               "at rest the accelerometer must read about 1 g: keep the board "
                               "still, or check the range and scale"))
    if "motor_ms" in r:
        out.append(Finding(True, "motor", f"driven for {r['motor_ms']} ms: you should have "
                           "felt it", "if not: check the transistor, diode and motor wiring"))
    elif "motor_error" in r:
        out.append(Finding(False, "motor", r["motor_error"], "check the motor pin"))
    if "ble_mac" in r:
        out.append(Finding(True, "BLE", f"radio up, address {r['ble_mac']}"))
    elif "OSError(19" in r.get("ble_error", ""):
        out.append(Finding(False, "BLE", "no radio answers (ENODEV)",
                           "a virtual board served by korset vboard has no radio: use the BLE "
                           "commands with --virtual-board; a real board: reflash MicroPython"))
    else:
        out.append(Finding(False, "BLE", r.get("ble_error", "?"),
                           "use a MicroPython build with bluetooth for this board"))
    if "fs_free" in r:
        full = r["fs_free"] < r.get("min_free", 0)
        out.append(Finding(not full, "storage",
                           f"{r['fs_free'] // 1024} KiB free of {r['fs_total'] // 1024} KiB, "
                           f"{r['sessions']} session(s) waiting",
                           "run korset sync: the board stops recording when this is full"))
    else:
        out.append(Finding(False, "storage", r.get("fs_error", "?"), "reflash MicroPython"))
    return out
