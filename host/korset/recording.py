"""The recording contract: IMU recordings as CSV, the currency of every tool.

A recording is a CSV file whose first line is a header containing the columns
``t,ax,ay,az,gx,gy,gz`` (any order; extra columns are ignored):

- ``t``: time in seconds, strictly increasing;
- ``ax, ay, az``: specific force in m/s^2, gravity included (standing still
  reads ``az`` = +9.81);
- ``gx, gy, gz``: angular rate in rad/s;

all in the body frame of a person standing upright: x anterior (forward),
y left, z superior (up).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from korset import KorsetError
from korsetfw.units import STANDARD_GRAVITY  # noqa: F401 (the host's name for it too)

COLUMNS = ("t", "ax", "ay", "az", "gx", "gy", "gz")


class RecordingError(KorsetError):
    pass


@dataclass
class Recording:
    t: np.ndarray  # (n,) s
    accel: np.ndarray  # (n, 3) m/s^2, body frame, gravity included
    gyro: np.ndarray  # (n, 3) rad/s, body frame

    def __post_init__(self) -> None:
        n = len(self.t)
        if self.accel.shape != (n, 3) or self.gyro.shape != (n, 3):
            raise RecordingError("recording arrays disagree in length")

    def __len__(self) -> int:
        return len(self.t)

    @property
    def duration_s(self) -> float:
        return float(self.t[-1] - self.t[0]) if len(self.t) else 0.0

    @property
    def rate_hz(self) -> float:
        """Mean sample rate."""
        return (len(self.t) - 1) / self.duration_s if len(self.t) > 1 else 0.0


def read_csv(path: str | Path) -> Recording:
    path = Path(path)
    try:
        with path.open(newline="") as f:
            header = next(csv.reader(f), None)
    except (OSError, UnicodeDecodeError) as e:
        raise RecordingError(f"{path}: cannot read ({e})") from e
    if not header:
        raise RecordingError(f"{path}: empty file, expected a header {','.join(COLUMNS)}")
    names = [h.strip() for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise RecordingError(f"{path}: header lacks column(s) {', '.join(missing)}")
    cols = [names.index(c) for c in COLUMNS]
    try:
        data = np.loadtxt(path, delimiter=",", skiprows=1, usecols=cols, ndmin=2)
    except ValueError as e:
        raise RecordingError(f"{path}: not numeric CSV ({e})") from e
    if data.shape[0] < 2:
        raise RecordingError(f"{path}: fewer than two samples")
    if not np.all(np.isfinite(data)):
        raise RecordingError(f"{path}: contains NaN or infinite values")
    t = data[:, 0]
    if np.any(np.diff(t) <= 0):
        i = int(np.argmax(np.diff(t) <= 0)) + 2
        raise RecordingError(f"{path}: time does not increase at data row {i}")
    return Recording(t=t, accel=data[:, 1:4], gyro=data[:, 4:7])


def write_csv(recording: Recording, path: str | Path) -> None:
    data = np.column_stack([recording.t, recording.accel, recording.gyro])
    np.savetxt(path, data, delimiter=",", header=",".join(COLUMNS), comments="",
               fmt=["%.5f"] + ["%.6f"] * 6)
