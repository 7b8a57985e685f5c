"""How compactly sessions store the simulator's sets: bytes per sample, hours per MB.

Every exercise x patients x rates of the corpus (its seeds, typical sensor
errors) is quantised as the board's chip gives it (LSM6DSOX counts at the
default +-4 g and +-500 deg/s, in the virtual board's chip axes) and coded by
the firmware's own recorder (``korset.session.encode``).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from korset import session as sess
from korset.sim.sensor import CHIPS
from korset.sim.simulate import simulate
from korset.vboard import load_board
from korsetfw import catalogue as cat
from korsetfw import session as fmt
from korsetfw import sessiondecode as dec

ACCEL_FS_G = 4
GYRO_FS_DPS = 500
CHIP = "lsm6dsox"


def _steady_bytes(data: bytes) -> int:
    """Bytes of the data chunks (framing included): what grows with the set's length."""
    total, offset = 0, 0
    while offset < len(data):
        kind, _seq, _start, _end, following = dec.parse_chunk(data, offset)
        if kind == fmt.DATA:
            total += following - offset
        offset = following
    return total


def run_storage_bench(patients: int = 3, rates: tuple[float, ...] = (52.0, 104.0),
                      progress=None) -> dict:
    board = load_board("virtual")
    chip = CHIPS[CHIP]
    rows: dict = defaultdict(lambda: {"samples": 0, "bytes": 0, "data_bytes": 0, "sets": 0,
                                      "worst": 0.0})
    total_sets = len(cat.EXERCISES) * patients * len(rates)
    done = 0
    for ex_i, ex in enumerate(cat.EXERCISES):
        for p in range(patients):
            for rate in rates:
                sim = simulate(ex, 1_000_000 + ex_i * 1000 + p, rate_hz=rate)
                header = {"rate_hz": int(rate), "alignment": board["imu"]["alignment"],
                          "accel_g_per_lsb": 1 / chip.accel_lsb_per_g[ACCEL_FS_G],
                          "gyro_dps_per_lsb": 1 / chip.gyro_lsb_per_dps[GYRO_FS_DPS],
                          "exercise": ex.number or ex.key, "imu": CHIP}
                raw = sess.to_counts(sim.recording, header["alignment"],
                                     header["accel_g_per_lsb"], header["gyro_dps_per_lsb"])
                data = sess.encode(raw, header)
                back = sess.decode(data)
                if not np.array_equal(back.raw, raw):
                    raise AssertionError(f"{ex.key}: the session does not decode to its samples")
                row = rows[(ex.key, int(rate))]
                row["samples"] += len(raw)
                row["bytes"] += len(data)
                row["data_bytes"] += _steady_bytes(data)
                row["sets"] += 1
                row["worst"] = max(row["worst"], _steady_bytes(data) / len(raw))
                done += 1
                if progress:
                    progress(done, total_sets, f"{ex.key} p{p} {rate:g} Hz")
    result: dict = {"chip": CHIP, "accel_fs_g": ACCEL_FS_G, "gyro_fs_dps": GYRO_FS_DPS,
                    "raw_bytes_per_sample": 12, "exercises": [], "rates": {}}
    for (key, rate), row in rows.items():
        result["exercises"].append({
            "exercise": key, "rate_hz": rate, "sets": row["sets"],
            "seconds": round(row["samples"] / rate, 1),
            "bytes_per_sample": round(row["data_bytes"] / row["samples"], 3),
            "bytes_per_sample_worst_set": round(row["worst"], 3),
            "file_bytes_per_sample": round(row["bytes"] / row["samples"], 3),
        })
    for rate in sorted({r for _, r in rows}):
        samples = sum(v["samples"] for (k, r), v in rows.items() if r == rate)
        data_bytes = sum(v["data_bytes"] for (k, r), v in rows.items() if r == rate)
        file_bytes = sum(v["bytes"] for (k, r), v in rows.items() if r == rate)
        bps = data_bytes / samples
        result["rates"][str(rate)] = {
            "bytes_per_sample": round(bps, 3),
            "file_bytes_per_sample": round(file_bytes / samples, 3),
            "hours_per_mb": round(1e6 / (bps * rate * 3600), 2),
            "sets_per_mb": round(1e6 * sum(v["sets"] for (k, r), v in rows.items()
                                           if r == rate) / file_bytes, 1),
        }
    return result
