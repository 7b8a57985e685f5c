"""Session files on the host: decode what the board recorded into arrays with units.

The format itself (chunks, sample code, header keys) is defined once, in
``korsetfw.session``; ``korset.sessionfast`` decodes it with numpy, exactly
as the reference decoder ``korsetfw.sessiondecode`` does (tests hold them
equal; ``decode(..., reference=True)`` runs the reference). This module turns
the result into arrays with units, converts to and from the recording
contract, and reports damage as warnings instead of failing: every intact
chunk is kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from korset import KorsetError, sessionfast
from korset.recording import STANDARD_GRAVITY, Recording, gaps
from korsetfw import align
from korsetfw import events as ev
from korsetfw import session as fmt
from korsetfw import sessiondecode as dec

SUFFIX = ".kss"


class SessionError(KorsetError):
    pass


@dataclass
class Event:
    name: str
    code: int
    index: int  # sample index in the session
    t_s: float
    value: int


@dataclass
class Session:
    header: dict
    end: dict | None
    index: np.ndarray  # (n,) sample index of each row (gaps where chunks were lost)
    raw: np.ndarray  # (n, 6) int16: ax ay az gx gy gz, chip axes, counts
    events: list[Event]
    problems: list[str] = field(default_factory=list)

    @property
    def rate_hz(self) -> float:
        return float(self.header["rate_hz"])

    @property
    def t(self) -> np.ndarray:
        """Seconds from the session's first sample (nominal rate)."""
        return self.index / self.rate_hz

    def _body(self, columns: slice) -> np.ndarray:
        m = np.array(align.matrix(self.header["alignment"]), dtype=float)  # body = m @ chip
        return self.raw[:, columns].astype(float) @ m.T

    @property
    def accel(self) -> np.ndarray:
        """(n, 3) specific force, m/s^2, body frame."""
        return self._body(slice(0, 3)) * (self.header["accel_g_per_lsb"] * STANDARD_GRAVITY)

    @property
    def gyro(self) -> np.ndarray:
        """(n, 3) angular rate, rad/s, body frame."""
        return self._body(slice(3, 6)) * np.radians(self.header["gyro_dps_per_lsb"])

    def to_recording(self) -> Recording:
        return Recording(self.t.astype(float), self.accel, self.gyro)


def to_counts(recording: Recording, alignment: str, g_per_lsb: float,
              dps_per_lsb: float) -> np.ndarray:
    """(n, 6) int16: ``recording`` (body frame, SI) as a chip mounted with ``alignment`` and
    these scales reads it (rounded to counts; beyond the range it clips)."""
    m = np.array(align.matrix(alignment), dtype=float)  # body = m @ chip
    accel = recording.accel @ m / STANDARD_GRAVITY / g_per_lsb
    gyro = np.degrees(recording.gyro @ m) / dps_per_lsb
    return np.clip(np.round(np.column_stack([accel, gyro])), -32768, 32767).astype(np.int16)


_NEEDED = ("rate_hz", "accel_g_per_lsb", "gyro_dps_per_lsb", "alignment")


def decode(data: bytes, name: str = "session", *, reference: bool = False) -> Session:
    """Decode a session file's bytes. SessionError if it is not a session or has no header.

    ``reference``: with the reference decoder (pure Python, the definition; some 10 times
    slower) instead of ``korset.sessionfast`` (the same result)."""
    try:
        d = _reference(data) if reference else sessionfast.decode(data)
    except fmt.FormatError as e:
        raise SessionError(f"{name}: {e}") from None
    header = d.header
    if header is None:
        raise SessionError(f"{name}: its header chunk is lost, so its samples cannot be "
                           f"read ({d.n_samples} samples in {d.chunks} intact chunks)")
    missing = [k for k in _NEEDED if k not in header]
    if missing:
        raise SessionError(f"{name}: header lacks {', '.join(missing)}")
    try:
        align.parse(header["alignment"])
        rate = float(header["rate_hz"])
        if not rate > 0:
            raise ValueError("rate_hz must be positive")
    except (ValueError, TypeError) as e:
        raise SessionError(f"{name}: bad header: {e}") from None
    index = np.concatenate(
        [first + np.arange(len(s)) for first, s in d.segments]
        or [np.zeros(0, dtype=np.int64)]).astype(np.int64)
    raw = np.concatenate([s for _, s in d.segments] or [np.zeros((0, 6), dtype=np.int16)])
    events = [Event(ev.NAMES.get(code, f"event{code}"), code, i, i / rate, value)
              for code, i, value in d.events]
    return Session(header, d.end, index, raw, events, list(d.problems))


def _reference(data: bytes) -> sessionfast.Decoded:
    """``korsetfw.sessiondecode.decode``, its segments as arrays (as sessionfast gives)."""
    d = dec.decode(data)
    out = sessionfast.Decoded()
    out.header, out.end, out.events, out.chunks, out.problems = (
        d.header, d.end, d.events, d.chunks, d.problems)
    out.segments = [(first, np.array(s, dtype=np.int16).reshape(-1, 6))
                    for first, s in d.segments]
    return out


def read(path: str | Path) -> Session:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise SessionError(f"{path}: {e.strerror or e}") from None
    return decode(data, str(path))


DATED_SUFFIX = ".dated.json"


def dated_path(path: str | Path) -> Path:
    """Beside a stored session: when it started, as the host worked it out at the sync
    (for a set recorded while the board's clock was unset)."""
    path = Path(path)
    return path.with_name(path.name + DATED_SUFFIX)


def start_unix_s(path: str | Path | None, header: dict) -> float | None:
    """When the set started: the board's own clock (the header), else what the sync worked
    out from the board's uptime in the same boot (``dated_path``), else None (unknown)."""
    if header.get("start_unix_s") is not None:
        return float(header["start_unix_s"])
    if path is None:
        return None
    try:
        dated = json.loads(dated_path(path).read_text())
        return float(dated["start_unix_s"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def date_from_uptime(header: dict, board_boot: int, board_uptime_s: float,
                     host_unix_s: float) -> float | None:
    """The start of a set recorded while the board's clock was unset, from the board's
    uptime now (INFO, read at ``host_unix_s``): possible only for a set of the boot the
    board is still in (its header's ``boot``); None otherwise. Good to about a second."""
    if header.get("start_unix_s") is not None or header.get("boot") != board_boot:
        return None
    start_uptime_ms = header.get("start_uptime_ms")
    if not isinstance(start_uptime_ms, int) or start_uptime_ms / 1000 > board_uptime_s + 1:
        return None
    return host_unix_s - (board_uptime_s - start_uptime_ms / 1000)


def is_session(path: str | Path) -> bool:
    """Whether ``path`` starts like a session file (for commands taking either kind)."""
    try:
        with open(path, "rb") as f:
            return f.read(2) == fmt.MAGIC
    except OSError:
        return False


class _Sink:
    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


def encode(raw: np.ndarray, header: dict, events: list[tuple[int, int, int]] = (),
           end: dict | None = None, chunk_s: float = 2.0) -> bytes:
    """A session file from raw samples (n, 6) int16, with the firmware's own recorder."""
    from korsetfw.recorder import Recorder

    raw = np.ascontiguousarray(raw, dtype=np.int16)
    rec = Recorder(int(round(header["rate_hz"])), chunk_s=chunk_s)
    sink = _Sink()
    rec.begin(sink, header)
    pending = sorted(events, key=lambda e: e[1])
    flat = raw.reshape(-1)
    step = 16
    for i in range(0, len(raw), step):
        n = min(step, len(raw) - i)
        rec.add(flat[6 * i:6 * (i + n)].tolist(), n)
        while pending and pending[0][1] < i + n:
            rec.event(*pending.pop(0))
        while rec.encode():
            rec.write()
    for e in pending:
        rec.event(*e)
    rec.finish(end or {"reason": fmt.END_STOPPED})
    return b"".join(sink.parts)


def from_recording(recording: Recording, *, accel_fs_g: int = 4, gyro_fs_dps: int = 500,
                   alignment: str = "+X+Y+Z", exercise: int | str | None = None,
                   tolerance_deg: dict[str, float] | None = None,
                   source: str = "recording") -> bytes:
    """A session file holding ``recording``, as a board with these ranges would store it.

    Samples are quantised to int16 counts of the ranges (values beyond them
    clip), rotated into the chip axes given by ``alignment``, and placed on
    the recording's mean sample rate (sessions have a nominal rate, no
    per-sample times). A recording with a gap (``korset.recording.gaps``) is
    refused: its samples would be spaced evenly across it, and what followed
    it moved in time.
    """
    if len(recording) < 2:
        raise SessionError("a recording needs at least two samples")
    found = gaps(recording.t)
    if found:
        raise SessionError(f"{source}: {found[0].describe()}"
                           + (f" and {len(found) - 1} more gap(s)" if len(found) > 1 else "")
                           + ": a session has one sample rate and no gaps, so it cannot hold "
                             "this recording; split it there and store each part")
    rate = recording.rate_hz
    g_per_lsb = accel_fs_g / 32768
    dps_per_lsb = gyro_fs_dps / 32768
    raw = to_counts(recording, alignment, g_per_lsb, dps_per_lsb)
    header = {
        "session": 0, "device": source, "board": source, "firmware": None,
        "start_unix_s": None, "start_ticks_ms": 0, "exercise": exercise,
        "tolerance_deg": tolerance_deg, "targets": None, "imu": source,
        "rate_hz": round(rate, 3), "accel_fs_g": accel_fs_g, "gyro_fs_dps": gyro_fs_dps,
        "accel_g_per_lsb": g_per_lsb, "gyro_dps_per_lsb": dps_per_lsb,
        "alignment": alignment, "gyro_bias_counts": None,
    }
    return encode(raw, header, end={"reason": fmt.END_STOPPED, "count": None})


def summary(s: Session) -> dict:
    """A JSON-ready description (for ``korset export --info`` and logs)."""
    return {"header": s.header, "end": s.end, "samples": len(s.raw),
            "duration_s": round(len(s.raw) / s.rate_hz, 3),
            "events": [{"name": e.name, "t_s": round(e.t_s, 4), "value": e.value}
                       for e in s.events],
            "problems": s.problems}


def dumps_summary(s: Session) -> str:
    return json.dumps(summary(s), indent=1)
