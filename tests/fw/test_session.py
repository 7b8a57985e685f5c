"""The session format and the recorder, on CPython and MicroPython.

Round trips are exact (the format is lossless for every int16 sample), the
wire layout is pinned byte for byte, and damaged files decode to everything
intact with the damage described.
"""

import array
import binascii
import struct

from fwtest import raises
from sessiontools import MemoryFile, chunk_starts, flat, record, walk

from korsetfw import events as ev
from korsetfw import session as fmt
from korsetfw import sessiondecode as dec
from korsetfw.recorder import Recorder


def test_round_trip_is_exact_for_every_length_and_extreme_values():
    for n in (0, 1, 15, 16, 17, 31, 32, 33, 95, 96, 97, 300):
        samples = walk(n, seed=n + 1, extremes=True)
        d = dec.decode(record(samples, n))
        assert flat(d) == list(samples), n
        assert d.problems == [] and d.end["samples"] == n and d.end["count"] == 3
        assert d.header["format"] == "korset-session" and d.header["version"] == fmt.VERSION


def test_smooth_large_movements_are_predicted_along_their_slope():
    # A 1 Hz swing of +-10000 counts at 104 Hz: sample-to-sample differences reach
    # ~600 counts (11 bits with sign), second differences only ~36 (7 bits).
    import math

    n = 520
    samples = array.array("h", bytes(12 * n))
    for i in range(n):
        for a in range(6):
            samples[6 * i + a] = int(10000 * math.sin(2 * math.pi * i / 104 + a))
    raw = record(samples, n)
    assert flat(dec.decode(raw)) == list(samples)
    # Residuals of ~70 (zigzag) take ~8 bits a value: about 6.6 bytes a sample with
    # the framing; coded by first differences (~11-12 bits a value) it would be over 8.
    assert len(raw) / n < 7.0


def test_events_keep_their_sample_index_and_value():
    samples = walk(400, seed=3)
    events = [(ev.SET_START, 0, 0), (ev.REFERENCE, 90, 0), (ev.BUZZ_ON, 150, 1),
              (ev.BUZZ_OFF, 170, 0), (ev.REP, 220, 1), (ev.SET_END, 399, 1)]
    d = dec.decode(record(samples, 400, events=events))
    assert [tuple(e) for e in d.events] == events
    assert d.end["buzzes"] == 1


def test_the_wire_layout_is_pinned():
    # Two samples: the second differs by +1 on ax. Hand-coded bit stream: per
    # axis order 1 (both orders leave the same residuals: the first wins) and
    # k = 0, 6 x 5 zero bits; sample 1: six zero residuals (z = 0: '0' each);
    # sample 2: z = 2 on ax ('110'), then five '0'; padded: 44 bits -> 6 bytes.
    samples = array.array("h", [1, 2, 3, 4, 5, 6, 2, 2, 3, 4, 5, 6])
    raw = record(samples, 2, events=[(ev.REP, 1, 7)])
    header_len = struct.unpack_from("<H", raw, 8)[0]
    at = fmt.FRAME_BYTES + header_len + fmt.CRC_BYTES
    assert raw[:4] == b"KS\x01\x01" and struct.unpack_from("<I", raw, 4)[0] == 0
    payload = (struct.pack("<IHHH6h", 0, 2, 6, 1, 1, 2, 3, 4, 5, 6)
               + b"\x00\x00\x00\x00\x0c\x00" + struct.pack("<BIi", ev.REP, 1, 7))
    frame = b"KS\x02\x01" + struct.pack("<IH", 1, len(payload))
    chunk = frame + payload
    assert raw[at:at + len(chunk)] == chunk
    crc = struct.unpack_from("<I", raw, at + len(chunk))[0]
    assert crc == binascii.crc32(chunk) & 0xFFFFFFFF
    end = raw[at + len(chunk) + 4:]
    assert end[:4] == b"KS\x03\x01" and struct.unpack_from("<I", end, 4)[0] == 2


def test_chunks_end_at_the_flush_interval():
    samples = walk(520, seed=5)
    d = dec.decode(record(samples, 520, rate_hz=104, chunk_s=1.0))
    sizes = [len(s) // 6 for _, s in d.segments]
    assert sizes == [96, 96, 96, 96, 96, 40]  # 1 s at 104 Hz, in whole 32-sample blocks
    assert [first for first, _ in d.segments] == [0, 96, 192, 288, 384, 480]


def test_a_truncated_file_keeps_every_whole_chunk():
    samples = walk(200, seed=7)
    raw = record(samples, 200, chunk_s=0.3)
    whole = dec.decode(raw)
    starts = chunk_starts(raw)
    for cut in range(0, len(raw), 7):
        if cut < starts[1]:
            with raises(fmt.FormatError, match="not a Korset session"):
                dec.decode(raw[:cut])
            continue
        d = dec.decode(raw[:cut])
        kept = max(s for s in starts if s <= cut)
        assert d.chunks == starts.index(kept)
        assert flat(d) == flat(whole)[:len(flat(d))]
        assert d.end is None and "interrupted" in d.problems[-1]


def test_a_damaged_chunk_is_skipped_and_the_rest_salvaged():
    samples = walk(300, seed=11)
    raw = bytearray(record(samples, 300, chunk_s=0.3))
    starts = chunk_starts(raw)[:-1]
    victim = starts[3]  # the third data chunk
    first, lost = dec.decode(raw).segments[2]
    raw[victim + 30] ^= 0x10
    d = dec.decode(raw)
    assert d.end is not None and len(d.segments) == len(starts) - 3
    text = " ".join(d.problems)
    assert "unreadable (CRC mismatch)" in text and "chunk 3 missing" in text
    assert "samples %d-%d lost" % (first, first + len(lost) // 6 - 1) in text
    kept = {f: s for f, s in d.segments}
    for f, s in dec.decode(record(samples, 300, chunk_s=0.3)).segments:
        if f != first:
            assert kept[f] == s


def test_what_is_not_a_session_is_told_apart():
    for data in (b"", b"PK\x03\x04 a zip", b"t,ax,ay,az,gx,gy,gz\n", b"KS" + b"\x00" * 40):
        with raises(fmt.FormatError, match="not a Korset session"):
            dec.decode(data)


def test_the_ring_counts_samples_it_had_no_room_for():
    rec = Recorder(104, ring_samples=32)
    rec.begin(MemoryFile(), {})
    samples = walk(40, seed=2)
    rec.add(samples, 40)  # encode never ran: 8 samples have no room
    assert rec.pending == 32 and rec.lost_samples == 8


def test_a_stream_too_short_or_too_long_for_its_samples_is_rejected():
    samples = walk(40, seed=9)
    raw = record(samples, 40, chunk_s=5.0)
    start = chunk_starts(raw)[1] + fmt.FRAME_BYTES  # the data chunk's payload
    first_index, n, stream_len, n_events = struct.unpack_from("<IHHH", raw, start)
    first = struct.unpack_from("<6h", raw, start + 10)
    at = start + fmt.DATA_FIXED_BYTES
    out = []
    dec.decode_samples(raw, at, at + stream_len, first, n, out)
    assert out == list(samples)
    with raises(fmt.FormatError, match="ends early"):
        dec.decode_samples(raw, at, at + stream_len - 2, first, n, [])
    with raises(fmt.FormatError, match="after the sample stream"):
        dec.decode_samples(raw, at, at + stream_len + 2, first, n, [])
