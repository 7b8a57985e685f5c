"""The recording contract: IMU recordings as CSV, the currency of every tool.

A recording is a CSV file whose first line is a header containing the columns
``t,ax,ay,az,gx,gy,gz`` (any order; extra columns are ignored):

- ``t``: time in seconds, strictly increasing, without gaps (``gaps``);
- ``ax, ay, az``: specific force in m/s^2, gravity included (standing still
  reads ``az`` = +9.81);
- ``gx, gy, gz``: angular rate in rad/s;

all in the body frame of a person standing upright: x anterior (forward),
y left, z superior (up).

``read_csv`` also reads what spreadsheets write: the separator is found from
the header (``,``, ``;`` or a tab; an Excel ``sep=`` line is obeyed), numbers
may use a decimal comma where the separator is not a comma, header names may
be in any case with spaces around them, and the file may start with a byte
order mark (UTF-8 or UTF-16) or be in Windows-1252.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from korset import KorsetError
from korsetfw.units import STANDARD_GRAVITY  # noqa: F401 (the host's name for it too)

COLUMNS = ("t", "ax", "ay", "az", "gx", "gy", "gz")
SEPARATORS = {",": "a comma", ";": "a semicolon", "\t": "a tab"}

# A step longer than this many typical steps (the median step) is a gap: at least four
# samples missing. Jitter moves a sample by a fraction of a step and a dropped sample
# makes a double step; a longer silence is lost data (a radio drop-out, a paused
# logger, a clock set forward), and spacing the samples evenly across it, or
# integrating the angular rate over it, invents motion that was never measured.
GAP_STEPS = 5.0


class RecordingError(KorsetError):
    pass


@dataclass(frozen=True)
class Gap:
    """Samples missing between sample ``index - 1`` and sample ``index``."""

    index: int  # the first sample after the gap (0-based)
    at_s: float  # the time of the last sample before it, s
    length_s: float  # the step across it, s

    @property
    def row(self) -> int:
        """The first data row after the gap (1-based, the header not counted)."""
        return self.index + 1

    def describe(self) -> str:
        return (f"the samples stop for {self.length_s:.3g} s after {self.at_s:.3f} s "
                f"(data rows {self.row - 1} and {self.row})")


def typical_step_s(t: np.ndarray) -> float:
    """The median time step (the rate the device meant, whatever it lost)."""
    return float(np.median(np.diff(t))) if len(t) > 1 else 0.0


def gaps(t: np.ndarray, steps: float = GAP_STEPS) -> list[Gap]:
    """Every step longer than ``steps`` typical steps (``GAP_STEPS``)."""
    if len(t) < 3:
        return []
    dt = np.diff(t)
    long = np.flatnonzero(dt > steps * typical_step_s(t))
    return [Gap(int(i) + 1, float(t[i]), float(dt[i])) for i in long]


def filled(t: np.ndarray, accel: np.ndarray, gyro: np.ndarray, bridged: list[Gap]
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``t``, ``accel``, ``gyro`` with the samples missing in each gap of ``bridged``
    put back at the typical step, linearly between the samples either side."""
    if not bridged:
        return t, accel, gyro
    step = typical_step_s(t)
    extra = []
    for g in bridged:
        inside = g.at_s + step * np.arange(1, int(round(g.length_s / step)) + 1)
        extra.append(inside[inside < g.at_s + g.length_s - 0.5 * step])
    new_t = np.sort(np.concatenate([t, *extra]))
    return (new_t, np.stack([np.interp(new_t, t, accel[:, i]) for i in range(3)], -1),
            np.stack([np.interp(new_t, t, gyro[:, i]) for i in range(3)], -1))


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
        """Sample rate: the mean over the steps that are not gaps (``gaps``), so that a
        lost stretch does not lower it and timestamps rounded to the millisecond do not
        skew it (as a median step would)."""
        if len(self.t) < 2:
            return 0.0
        dt = np.diff(self.t)
        regular = dt[dt <= GAP_STEPS * typical_step_s(self.t)]
        return len(regular) / float(regular.sum()) if regular.sum() > 0 else 0.0


def _text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise RecordingError(f"{path}: cannot read ({e.strerror or e})") from e
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Excel's "Unicode text": UTF-16
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise RecordingError(f"{path}: cannot read ({e})") from e
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # A spreadsheet's "CSV" in the Windows code page (Danish letters in a column the
        # contract ignores); the header and the numbers are ASCII either way.
        return data.decode("cp1252", errors="replace")


def _names(header: str, sep: str) -> list[str]:
    return [h.strip().strip('"').strip().lower() for h in next(csv.reader([header],
                                                                          delimiter=sep))]


def _separator(header: str) -> str:
    """The separator that splits the header into names holding every column."""
    fits = [sep for sep in SEPARATORS if set(COLUMNS) <= set(_names(header, sep))]
    if fits:
        return fits[0]
    return max(SEPARATORS, key=header.count)  # for the message naming what is missing


def _decimal(body: list[str], sep: str, cols: list[int]) -> str:
    """'.' or ',': how the contract's columns write a decimal (a comma only where the
    separator is not one: a spreadsheet in a locale that writes 9,81)."""
    if sep == "," or not any("," in line for line in body):
        return "."
    fields = [f for row in csv.reader(body, delimiter=sep) if row
              for f in (row[c] for c in cols if c < len(row))]
    if not any("," in f for f in fields):
        return "."  # commas only in columns the contract ignores
    if any("," in f and "." in f for f in fields):
        raise RecordingError("numbers are written with both '.' and ',' (thousands "
                             "separators?): save the file without them")
    return ","


def read_csv(path: str | Path, problems: list[str] | None = None) -> Recording:
    """The recording in ``path``. ``problems``: where to say what was salvaged (a last
    line cut off mid-row); without it, salvage happens silently."""
    path = Path(path)
    text = _text(path)
    lines = text.splitlines()
    first = 0
    while first < len(lines) and not lines[first].strip():
        first += 1
    sep = None
    if first < len(lines) and lines[first].lstrip().lower().startswith("sep="):
        sep = lines[first].lstrip()[4:5] or None  # Excel's hint line: sep=;
        first += 1
    if first >= len(lines):
        raise RecordingError(f"{path}: empty file, expected a header {','.join(COLUMNS)}")
    header = lines[first]
    sep = sep or _separator(header)
    names = _names(header, sep)
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise RecordingError(f"{path}: header lacks column(s) {', '.join(missing)} (it "
                             f"reads {', '.join(repr(n) for n in names)}, split at "
                             f"{SEPARATORS.get(sep, repr(sep))})")
    twice = [c for c in COLUMNS if names.count(c) > 1]
    if twice:
        raise RecordingError(f"{path}: header names {', '.join(twice)} more than once")
    cols = [names.index(c) for c in COLUMNS]
    body = lines[first + 1:]
    if body and not text.endswith(("\n", "\r")) and \
            len(next(csv.reader([body[-1]], delimiter=sep), [])) < len(names):
        # Cut off while it was written (a logger losing power, a copy interrupted): the
        # last row is incomplete; the rows before it are the recording.
        if problems is not None:
            problems.append(f"its last line was cut off mid-row and is left out "
                            f"(data row {len(body)})")
        body = body[:-1]
    try:
        decimal = _decimal(body, sep, cols)
    except RecordingError as e:
        raise RecordingError(f"{path}: {e}") from None
    if decimal == ",":
        body = [line.replace(",", ".") for line in body]
    if not body:
        # numpy would warn ("input contained no data") on its way to an empty array.
        raise RecordingError(f"{path}: no samples (a header without data rows)")
    try:
        data = np.loadtxt(body, delimiter=sep, usecols=cols, ndmin=2, quotechar='"')
    except ValueError as e:
        how = f"separated by {SEPARATORS.get(sep, repr(sep))}, decimal '{decimal}'"
        raise RecordingError(f"{path}: not numeric CSV ({how}): {e}") from e
    if data.shape[0] < 2:
        raise RecordingError(f"{path}: fewer than two samples")
    if not np.all(np.isfinite(data)):
        raise RecordingError(f"{path}: contains NaN or infinite values")
    t = data[:, 0]
    dt = np.diff(t)
    if np.any(dt <= 0):
        i = int(np.argmax(dt <= 0))
        what = "repeats" if dt[i] == 0 else f"goes back by {-dt[i]:.6g} (a clock set back?)"
        raise RecordingError(f"{path}: time does not increase at data row {i + 2}: it "
                             f"{what}; t must increase from sample to sample")
    return Recording(t=t, accel=data[:, 1:4], gyro=data[:, 4:7])


def write_csv(recording: Recording, path: str | Path) -> None:
    data = np.column_stack([recording.t, recording.accel, recording.gyro])
    np.savetxt(path, data, delimiter=",", header=",".join(COLUMNS), comments="",
               fmt=["%.5f"] + ["%.6f"] * 6)
