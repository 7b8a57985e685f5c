"""The host's numpy session decoder (korset.sessionfast) against the reference decoder.

The reference (korsetfw.sessiondecode, shared with the firmware's tests) is
the definition: on every input the fast decoder gives the same header, end
record, samples, events, count of intact chunks and problems, or the same
FormatError. Inputs: sessions of every exercise, synthetic streams that
take every path of the code (order 1 and 2, every k, escapes, wrap-around),
and seeded damage: truncation, bit flips, zeroed runs, appended and inserted
garbage, chunks dropped, repeated or swapped, and damage re-sealed with a
valid CRC (so that the sample decoder itself sees it).
"""

from __future__ import annotations

import binascii
import json
import struct

import numpy as np
import pytest

from korset import session as sess
from korset import sessionfast as sf
from korset.sim.simulate import simulate
from korsetfw import catalogue as cat
from korsetfw import events as ev
from korsetfw import session as fmt
from korsetfw import sessiondecode as dec

HEADER = {"format": "korset-session", "rate_hz": 104, "alignment": "+X+Y+Z",
          "accel_g_per_lsb": 0.000122, "gyro_dps_per_lsb": 0.0175}


def _outcome(decoder, data: bytes):
    """Everything a decoder says about ``data``, comparable between the two."""
    try:
        d = decoder(data)
    except fmt.FormatError as e:
        return ("error", str(e))
    segments = [(first, np.asarray(s, dtype=np.int64).reshape(-1).tolist())
                for first, s in d.segments]
    return (d.header, d.end, segments, [tuple(e) for e in d.events], d.chunks, d.problems)


def assert_same(data: bytes) -> tuple:
    want = _outcome(dec.decode, data)
    got = _outcome(sf.decode, data)
    assert got == want
    return want


def _chunks(data: bytes) -> list[tuple[int, int]]:
    out, offset = [], 0
    while offset < len(data):
        following = dec.parse_chunk(data, offset)[4]
        out.append((offset, following))
        offset = following
    return out


def _synthetic(seed: int) -> bytes:
    """Samples that take every path: still, smooth and noisy stretches, full-range noise
    (escapes), values at the int16 limits (wrap-around), chunk sizes, events."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 700))
    kind = seed % 5
    if kind == 0:  # a random walk: order 1, small k
        raw = np.cumsum(rng.integers(-30, 31, size=(n, 6)), axis=0)
    elif kind == 1:  # smooth large movement: order 2
        t = np.arange(n)[:, None]
        raw = 20000 * np.sin(t / rng.uniform(5, 60) + rng.uniform(0, 6, 6))
    elif kind == 2:  # full-range noise: escapes
        raw = rng.integers(-32768, 32768, size=(n, 6))
    elif kind == 3:  # pinned at the limits, with jumps across them
        raw = rng.choice([-32768, 32767, 0, -1, 1], size=(n, 6))
    else:  # stretches of each
        raw = np.cumsum(rng.integers(-3, 4, size=(n, 6)) * rng.choice(
            [1, 100, 3000], size=(n, 1)), axis=0)
    raw = np.clip(raw, -32768, 32767).astype(np.int16)
    events = [(ev.REP, int(i), int(rng.integers(-2**31, 2**31))) for i in
              rng.integers(0, n, size=int(rng.integers(0, 12)))]
    return sess.encode(raw, dict(HEADER), events, chunk_s=float(rng.choice([0.2, 0.5, 2.0])))


@pytest.fixture(scope="module")
def exercise_sessions() -> list[bytes]:
    """A short set of every exercise (and the generic kinds), at the rates boards use."""
    out = []
    for k, ex in enumerate(cat.EXERCISES):
        rate = (52, 104, 208)[k % 3]
        kind = {"reps": 3} if ex.kind == "reps" else {"holds": 2}
        rec = simulate(ex, 100 + k, rate_hz=rate, fault_rate=0.5, **kind).recording
        out.append(sess.from_recording(rec, exercise=ex.key, alignment="-Z+Y+X"))
    return out


def test_sessions_of_every_exercise_decode_as_the_reference_does(exercise_sessions):
    for data in exercise_sessions:
        header, end, segments, _events, _chunks_read, problems = assert_same(data)
        assert problems == [] and end["reason"] == "stopped" and segments


def test_synthetic_streams_decode_as_the_reference_does():
    for seed in range(60):
        assert_same(_synthetic(seed))


def test_the_session_reads_the_same_either_way(exercise_sessions):
    for data in exercise_sessions[:3]:
        fast, slow = sess.decode(data), sess.decode(data, reference=True)
        assert np.array_equal(fast.raw, slow.raw) and fast.raw.dtype == np.int16
        assert np.array_equal(fast.index, slow.index)
        assert fast.events == slow.events and fast.problems == slow.problems


def _damaged(data: bytes, rng: np.random.Generator) -> bytes:
    """One to three kinds of damage, chosen and placed by ``rng``."""
    b = bytearray(data)
    for _ in range(int(rng.integers(1, 4))):
        kind = int(rng.integers(0, 8))
        if not b:
            break
        at = int(rng.integers(0, len(b)))
        if kind == 0:  # cut
            del b[at:]
        elif kind == 1:  # bit flips
            for _ in range(int(rng.integers(1, 6))):
                i = int(rng.integers(0, len(b)))
                b[i] ^= 1 << int(rng.integers(0, 8))
        elif kind == 2:  # a zeroed run (flash erased, a lost page)
            run = len(b[at:at + int(rng.integers(1, 600))])
            b[at:at + run] = bytes(run)
        elif kind == 3:  # garbage appended
            b += rng.integers(0, 256, size=int(rng.integers(1, 900)), dtype=np.uint8).tobytes()
        elif kind == 4:  # garbage inserted, sometimes with a magic in it
            junk = rng.integers(0, 256, size=int(rng.integers(1, 300)), dtype=np.uint8).tobytes()
            b[at:at] = (b"KS" + junk) if rng.random() < 0.5 else junk
        else:  # whole chunks dropped, repeated or swapped
            try:
                chunks = _chunks(bytes(b))
            except fmt.FormatError:
                continue
            i, j = (int(x) for x in rng.integers(0, len(chunks), size=2))
            (s1, e1), (s2, e2) = chunks[min(i, j)], chunks[max(i, j)]
            if kind == 5:
                del b[s1:e1]
            elif kind == 6:
                b[e2:e2] = b[s1:e1]
            elif s1 != s2:
                b[s1:e2] = b[s2:e2] + b[e1:s2] + b[s1:e1]
    return bytes(b)


def _resealed(data: bytes, rng: np.random.Generator) -> bytes:
    """A data chunk damaged inside and given a valid CRC again: the damage reaches the
    sample decoder (stream bits, counts, lengths, first index)."""
    b = bytearray(data)
    chunks = _chunks(data)
    start, end = chunks[int(rng.integers(1, len(chunks)))]
    payload = start + fmt.FRAME_BYTES
    what = int(rng.integers(0, 6))
    if what == 0:  # bits of the sample stream
        for _ in range(int(rng.integers(1, 4))):
            i = int(rng.integers(payload + fmt.DATA_FIXED_BYTES, end - fmt.CRC_BYTES))
            b[i] ^= 1 << int(rng.integers(0, 8))
    elif what in (1, 2, 3, 4):  # a field of the fixed part: first index, n, stream, events
        offset, size = ((0, 4), (4, 2), (6, 2), (8, 2))[what - 1]
        value = int.from_bytes(b[payload + offset:payload + offset + size], "little")
        value = max(0, value + int(rng.choice([-40, -1, 1, 3, 300, 70000])))
        value = value if rng.random() < 0.8 else 0
        b[payload + offset:payload + offset + size] = (value % (1 << 8 * size)).to_bytes(
            size, "little")
    else:  # the payload cut short (or emptied), its length field made to match
        keep = int(rng.integers(0, end - payload - fmt.CRC_BYTES))
        del b[payload + keep:end - fmt.CRC_BYTES]
        end = payload + keep + fmt.CRC_BYTES
        struct.pack_into("<H", b, start + 8, keep)
    crc_at = end - fmt.CRC_BYTES
    struct.pack_into("<I", b, crc_at, binascii.crc32(bytes(b[start:crc_at])) & 0xFFFFFFFF)
    return bytes(b)


def test_damaged_sessions_decode_as_the_reference_does(exercise_sessions):
    bases = exercise_sessions[:4] + [_synthetic(s) for s in range(8)]
    kinds = {"unreadable", "skipped", "dropped", "missing", "repeated or out of order",
             "lost", "no end record", "header lost"}
    seen = set()
    for seed in range(400):
        rng = np.random.default_rng(seed)
        data = _damaged(bases[seed % len(bases)], rng)
        out = assert_same(data)
        if out[0] != "error":
            seen.update(k for p in out[5] for k in kinds if k in p)
    assert seen == kinds  # the damage reached every kind of salvage


def test_resealed_damage_reaches_the_sample_decoder_and_decodes_as_the_reference_does():
    bases = [_synthetic(s) for s in range(10, 30)]
    errors = set()
    for seed in range(400):
        rng = np.random.default_rng(10_000 + seed)
        base = bases[seed % len(bases)]
        if len(_chunks(base)) < 3:
            continue
        data = _resealed(base, rng)
        if rng.random() < 0.3:
            data = _damaged(data, rng)
        out = assert_same(data)
        if out[0] != "error":
            errors.update(p.split(": ", 1)[1] for p in out[5] if "unusable" in p)
    assert "sample stream ends early" in errors
    assert any("after the sample stream" in e for e in errors)
    assert "data chunk lengths disagree" in errors
    assert any("overlap earlier ones" in e for e in errors)


def _data_chunk(seq: int, first_index: int, raw: np.ndarray) -> bytes:
    """A data chunk of any length, coded with the firmware's coder (a board's recorder
    ends its chunks at a couple of seconds)."""
    flat = raw.reshape(-1).tolist()
    buf = bytearray(fmt.MAX_PAYLOAD)
    w = fmt.BitWriter(buf)
    coder = fmt.SampleCoder(w)
    coder.first(flat, 0)
    for i in range(0, len(raw), fmt.BLOCK):
        coder.encode_block(flat, i, min(fmt.BLOCK, len(raw) - i))
    n = w.flush()
    payload = struct.pack(fmt.DATA_FORMAT, first_index, len(raw), n, 0, *flat[:6]) + buf[:n]
    return fmt.chunk_bytes(fmt.DATA, seq, payload)


def test_a_chunk_far_longer_than_the_others_is_decoded_alone_the_same():
    rng = np.random.default_rng(3)
    raw = np.cumsum(rng.integers(-1, 2, size=(12_000, 6)), axis=0).astype(np.int16)
    sizes = [64] * 10 + [9000] + [64] * 3
    starts = np.concatenate([[0], np.cumsum(sizes)])
    data = fmt.chunk_bytes(fmt.HEADER, 0, json.dumps(HEADER).encode()) + b"".join(
        _data_chunk(c + 1, int(a), raw[a:a + m]) for c, (a, m) in enumerate(
            zip(starts, sizes, strict=False)))
    out = assert_same(data)
    assert [len(s) // 6 for _, s in out[2]] == sizes
    assert np.array_equal(np.concatenate([s for _, s in out[2]]), raw[:sum(sizes)].reshape(-1))


def test_lanes_decoded_in_batches_give_the_same(monkeypatch, exercise_sessions):
    monkeypatch.setattr(sf, "_BATCH", 5)  # an hour's session is some 1800 lanes
    for data in exercise_sessions[:2] + [_synthetic(0), _synthetic(1)]:
        assert_same(data)
