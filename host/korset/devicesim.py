"""Run the firmware's pipeline on CPython over a recording, sample by sample.

The same ``korsetfw.pipeline`` code the board runs (it imports on CPython),
fed with the recording quantised to the chip's counts. Fast enough to sweep
the simulator's corpus while tuning; the virtual board (``korset replay``)
remains the real thing: MicroPython, the driver, the chip model, the motor.
"""

from __future__ import annotations

import array
from dataclasses import dataclass, field

import numpy as np

from korset.recording import STANDARD_GRAVITY, Recording
from korsetfw import events as ev
from korsetfw.pipeline import Pipeline, SetConfig

ACCEL_G_PER_LSB = 122e-6  # LSM6DSOX at +-4 g (the firmware's default)
GYRO_DPS_PER_LSB = 17.5e-3  # at +-500 dps


@dataclass
class DeviceRun:
    t: np.ndarray
    events: list[tuple[float, str, int]]  # (time s, name, value)
    deviation_deg: np.ndarray  # (n, 3) rotation, flexion, lateral from the set reference
    buzzing: np.ndarray  # (n,) bool
    extra: dict = field(default_factory=dict)

    def times(self, name: str) -> list[float]:
        return [t for t, n, _ in self.events if n == name]

    def buzzes(self) -> list[tuple[float, float]]:
        out, start = [], None
        for t, name, _ in self.events:
            if name == "buzz_on":
                start = t
            elif name == "buzz_off" and start is not None:
                out.append((start, t))
                start = None
        if start is not None:
            out.append((start, float(self.t[-1])))
        return out


def to_counts(rec: Recording) -> np.ndarray:
    a = np.clip(np.round(rec.accel / STANDARD_GRAVITY / ACCEL_G_PER_LSB), -32768, 32767)
    g = np.clip(np.round(np.degrees(rec.gyro) / GYRO_DPS_PER_LSB), -32768, 32767)
    return np.column_stack([a, g]).astype(np.int64)


def run(rec: Recording, config: SetConfig, rate_hz: float | None = None,
        trace: bool = True) -> DeviceRun:
    rate = rate_hz or round(rec.rate_hz)
    p = Pipeline(rate, ACCEL_G_PER_LSB, GYRO_DPS_PER_LSB)
    p.configure(config)
    p.start_set()
    counts = to_counts(rec)
    buf = array.array("h", [0] * 6)
    n = len(rec.t)
    dev = np.zeros((n, 3))
    buzzing = np.zeros(n, bool)
    events = []
    for i in range(n):
        buf[:] = array.array("h", counts[i].tolist())
        p.n_events = 0
        p.process(buf, 1, p.buzzing)
        for k in range(p.n_events):
            code, sample_no, value = p.events[3 * k: 3 * k + 3]
            events.append((float(rec.t[sample_no - 1]), ev.NAMES[code], value))
        if trace and p.state == 2:
            dev[i] = p.deviation.angles_deg()
        buzzing[i] = p.buzzing
    return DeviceRun(rec.t, events, dev, buzzing, {"pipeline": p})
