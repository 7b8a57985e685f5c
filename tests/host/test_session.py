"""Session files on the host: what the virtual board recorded, export, and damaged files.

The property tests feed the decoder truncations, bit flips and garbage: it
never raises anything but SessionError (a one-line error), keeps every chunk
the damage did not touch, and reads what the reference decoder reads
(tests/host/test_session_fast.py compares the two in detail).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from korset import session as sess
from korset.cli import main
from korset.recording import read_csv
from korset.sim.simulate import simulate
from korsetfw import catalogue as cat
from korsetfw import events as ev
from korsetfw import session as fmt
from korsetfw import sessiondecode as dec


def _chunks(data: bytes) -> list[tuple[int, int, int]]:
    """(start, end, kind) of every chunk of an intact file."""
    out, offset = [], 0
    while offset < len(data):
        kind, _seq, _s, _e, following = dec.parse_chunk(data, offset)
        out.append((offset, following, kind))
        offset = following
    return out


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """A set of exercise 6 replayed on the virtual board, and the session it recorded."""
    from korset.replay import replay

    tmp = tmp_path_factory.mktemp("recorded")
    sim = simulate(cat.get(6), 21, reps=6, fault_rate=0.3)
    out = tmp / "set.kss"
    r = replay(sim.recording, cat.get(6), None, tmp / "board", session_out=out)
    return sim, r, out


def test_the_board_records_the_set_it_ran(recorded):
    sim, r, path = recorded
    s = sess.read(path)
    assert s.problems == [] and s.end["reason"] == "stopped"
    h = s.header
    assert h["board"] == "virtual" and h["exercise"] == 6 and h["imu"] == "LSM6DSOX"
    assert h["rate_hz"] == 104 and h["device"] == "4b4f525345540001" and h["session"] == 1
    # The whole recording is in it (plus the long press that ended the set).
    duration = len(s.raw) / s.rate_hz
    assert sim.recording.duration_s < duration < sim.recording.duration_s + 3.0
    assert np.array_equal(s.index, np.arange(len(s.raw)))
    # Its events are the ones the board printed: the same reps and buzzes.
    names = [e.name for e in s.events]
    assert names.count("rep") == r.reps and names.count("buzz_on") == len(r.buzzes)
    assert names[0] == "set_start" and names[-1] == "set_end" and s.end["count"] == r.reps
    # Units and frame: at rest at the start, the body-frame accel is the recording's.
    rec = s.to_recording()
    np.testing.assert_allclose(rec.accel[:50].mean(axis=0),
                               sim.recording.accel[:50].mean(axis=0), atol=0.05)
    # Lossless: the chip's counts, turned into units and back, are integers again.
    g = s.header["accel_g_per_lsb"] * 9.80665
    body_counts = rec.accel / g
    np.testing.assert_allclose(body_counts, np.round(body_counts), atol=1e-9)


def test_export_round_trips_through_csv(recorded, tmp_path, capsys):
    _sim, _r, path = recorded
    csv, events = tmp_path / "set.csv", tmp_path / "events.csv"
    assert main(["export", str(path), "--csv", str(csv), "--events", str(events)]) == 0
    rec = read_csv(csv)
    s = sess.read(path)
    assert len(rec) == len(s.raw)
    lines = events.read_text().splitlines()
    assert lines[0] == "t_s,name,value" and len(lines) == len(s.events) + 1
    # CSV -> session with the same ranges, body axes: the same counts, rotated.
    again = tmp_path / "again.kss"
    assert main(["export", str(csv), "--session", str(again)]) == 0
    s2 = sess.read(again)
    assert s2.header["alignment"] == "+X+Y+Z" and len(s2.raw) == len(s.raw)
    # Requantised to the export's ranges (4/32768 g, 500/32768 deg/s): within half a count.
    np.testing.assert_allclose(s2.accel, s.accel, atol=0.5 * 4 / 32768 * 9.80665 + 1e-5)
    np.testing.assert_allclose(s2.gyro, s.gyro, atol=np.radians(0.5 * 500 / 32768) + 1e-5)
    capsys.readouterr()
    assert main(["export", str(path), "--info"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["samples"] == len(s.raw) and summary["problems"] == []


def test_what_is_not_a_session_gets_one_line_and_a_failure(tmp_path, capsys):
    cases = {"empty.kss": b"", "zip.kss": b"PK\x03\x04" + bytes(100),
             "short.kss": b"KS\x01\x01\x00"}
    for name, data in cases.items():
        p = tmp_path / name
        p.write_bytes(data)
        code = main(["export", str(p), "--csv", str(tmp_path / "x.csv")])
        err = capsys.readouterr().err.strip()
        assert code == 1 and "\n" not in err and "korset export" in err, name
    assert main(["export", str(tmp_path / "missing.kss"), "--csv", "x.csv"]) == 1
    assert "korset export" in capsys.readouterr().err


def test_a_damaged_session_exports_what_is_intact_with_a_warning(recorded, tmp_path, capsys):
    _sim, _r, path = recorded
    data = bytearray(path.read_bytes())
    start, end, kind = _chunks(bytes(data))[4]
    assert kind == fmt.DATA
    data[start + 40] ^= 0xFF
    bad = tmp_path / "bad.kss"
    bad.write_bytes(bytes(data))
    assert main(["export", str(bad), "--csv", str(tmp_path / "bad.csv")]) == 0
    err = capsys.readouterr().err
    assert "warning:" in err and "lost" in err
    whole = sess.read(path)
    s = sess.read(bad)
    assert 0 < len(whole.raw) - len(s.raw) <= 256


# -- property tests ----------------------------------------------------------------------


def _valid() -> bytes:
    rng = np.random.default_rng(5)
    raw = np.cumsum(rng.integers(-30, 31, size=(600, 6)), axis=0).astype(np.int16)
    header = {"rate_hz": 104, "alignment": "-Z+Y+X", "accel_g_per_lsb": 0.000122,
              "gyro_dps_per_lsb": 0.0175}
    events = [(ev.REP, i, i) for i in range(50, 600, 100)]
    return sess.encode(raw, header, events, chunk_s=0.5)


VALID = _valid()
CHUNKS = _chunks(VALID)
WHOLE = sess.decode(VALID)
PROPS = settings(max_examples=300, deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow])


def _decode(data: bytes) -> sess.Session:
    """``sess.decode``, checked against the reference decoder on the same bytes."""
    try:
        s = sess.decode(data)
    except sess.SessionError as e:
        with pytest.raises(sess.SessionError) as ref:
            sess.decode(data, reference=True)
        assert str(ref.value) == str(e)
        raise
    r = sess.decode(data, reference=True)
    assert np.array_equal(s.raw, r.raw) and np.array_equal(s.index, r.index)
    assert (s.header, s.end, s.events, s.problems) == (r.header, r.end, r.events, r.problems)
    return s


def _rows_by_index(s: sess.Session) -> dict[int, tuple]:
    return {int(i): tuple(row) for i, row in zip(s.index, s.raw.tolist(), strict=True)}


def _samples_of_untouched_chunks(touched: set[int]) -> dict[int, tuple]:
    """Rows of the whole file that lie in data chunks none of the damage touched."""
    rows = _rows_by_index(WHOLE)
    keep: dict[int, tuple] = {}
    for c, (start, end, kind) in enumerate(CHUNKS):
        if kind != fmt.DATA or c in touched:
            continue
        first, samples, _events = dec.decode_data(VALID, start + fmt.FRAME_BYTES,
                                                  end - fmt.CRC_BYTES)
        n = len(samples) // 6
        keep.update({i: rows[i] for i in range(first, first + n)})
    return keep


def _chunk_of(offset: int) -> int:
    for c, (start, end, _kind) in enumerate(CHUNKS):
        if start <= offset < end:
            return c
    raise AssertionError(offset)


@PROPS
@given(st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 7)),
                min_size=1, max_size=6))
def test_bit_flips_lose_only_the_chunks_they_hit(flips):
    data = bytearray(VALID)
    for at, bit in flips:
        data[at] ^= 1 << bit
    touched = {_chunk_of(at) for at, _ in flips}
    try:
        s = _decode(bytes(data))
    except sess.SessionError:
        assert 0 in touched  # only a lost header (or its magic) makes the file unreadable
        return
    rows = _rows_by_index(s)
    for i, row in _samples_of_untouched_chunks(touched).items():
        assert rows.get(i) == row
    if touched - {0} and data != VALID:
        assert s.problems


@PROPS
@given(st.integers(0, len(VALID)))
def test_a_truncated_file_keeps_every_whole_chunk(cut):
    try:
        s = _decode(VALID[:cut])
    except sess.SessionError:
        assert cut < CHUNKS[0][1]
        return
    whole_chunks = {c for c, (_s, end, _k) in enumerate(CHUNKS) if end <= cut}
    expected = _samples_of_untouched_chunks(set(range(len(CHUNKS))) - whole_chunks)
    assert _rows_by_index(s) == expected
    if cut < len(VALID):
        assert any("interrupted" in p for p in s.problems)


@PROPS
@given(st.binary(max_size=4000), st.booleans())
def test_garbage_is_never_a_traceback(garbage, with_magic):
    data = (b"KS" + garbage) if with_magic else garbage
    with pytest.raises(sess.SessionError):
        _decode(data)


@PROPS
@given(st.binary(min_size=1, max_size=500), st.integers(0, len(CHUNKS) - 1))
def test_garbage_inside_a_file_is_skipped(garbage, where):
    at = CHUNKS[where][1]  # after chunk ``where``
    s = _decode(VALID[:at] + garbage + VALID[at:])
    assert _rows_by_index(s) == _rows_by_index(WHOLE)
    if not VALID[at:].startswith(garbage):
        assert any("unreadable" in p for p in s.problems)


def test_power_lost_mid_set_keeps_the_session_to_its_last_chunk(tmp_path):
    from korset.vboard import VirtualBoard

    sim = simulate(cat.get(3), 4, reps=5, fault_rate=0.0)
    vb = VirtualBoard(tmp_path / "board")
    settings = {"exercise": 3, "status_period_s": 0}
    vb.run(sim.recording, stop_at_s=20.0, settings=settings)  # the battery dies at 20 s
    (one,) = vb.sessions(tmp_path / "after-cut")
    s = sess.read(one)
    assert s.end is None and len(s.problems) == 1 and "interrupted" in s.problems[0]
    assert 20.0 - 2.7 < len(s.raw) / s.rate_hz <= 20.0  # at most one 2 s chunk lost
    # Power returns: the board boots from its flash and records the next set as session 2,
    # leaving session 1 as it was.
    vb.run(sim.recording, stop_at_s=6.0, install=False)
    pulled = vb.sessions(tmp_path / "after-reboot")
    assert [p.name for p in pulled] == ["000001.kss", "000002.kss"]
    assert pulled[0].read_bytes() == one.read_bytes()
    assert sess.read(pulled[1]).header["session"] == 2
