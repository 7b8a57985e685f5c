"""``korset bench firmware``: the per-sample cost of the firmware on real MicroPython."""

from __future__ import annotations

import json
import os
import subprocess

from korset import KorsetError, paths
from korset.vboard import micropython_command

# How the unix port's figure relates to a board. MicroPython's bytecode
# interpreter is the same C code everywhere; speed scales with the core. On
# published cross-board MicroPython benchmarks an ESP32-S3 at 240 MHz runs
# pure-Python integer code about 15-30 times slower than a current x86-64
# core runs the unix port (the same script: seconds on a desktop, tens of
# seconds on the S3). We quote the conservative end.
ESP32S3_SLOWDOWN = 30


def run_firmware_bench(seconds: float = 60.0, rate_hz: int = 104) -> dict:
    env = dict(os.environ, MICROPYPATH=os.pathsep.join(
        [str(paths.vboard_mp_dir()), str(paths.firmware_dir())]))
    proc = subprocess.run(
        [micropython_command(), "-X", "heapsize=8M",
         str(paths.vboard_mp_dir() / "bench_firmware.py"), str(seconds), str(rate_hz)],
        env=env, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise KorsetError("the firmware benchmark failed:\n" + proc.stdout + proc.stderr)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    # The board does both every sample: the pipeline (with the recorder's copy) and coding.
    us = result["us_per_sample"] + result["record_encode_us_per_sample"]
    result["esp32s3_us_per_sample_estimate"] = round(us * ESP32S3_SLOWDOWN, 1)
    result["esp32s3_cpu_share_estimate_pct"] = round(
        100 * us * ESP32S3_SLOWDOWN * rate_hz / 1e6, 1)
    for key in ("us_per_sample", "bus_emulation_us_per_sample", "record_encode_us_per_sample",
                "record_write_us_per_chunk", "record_bytes_per_sample"):
        result[key] = round(result[key], 2)
    return result
