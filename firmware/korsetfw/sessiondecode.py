"""Reading Korset session files: the decoder of the format ``korsetfw.session`` defines.

Host-only (``korsetfw.HOST_ONLY``: not put on boards, whose RAM it would
take for nothing): the board writes sessions, the host and the tests read
them. The format, its constants and its writer are ``korsetfw.session``;
this is the reference decoder the host's vectorised one is checked against.
"""

import struct

from korsetfw.session import (
    AXES,
    BLOCK,
    CRC_BYTES,
    DATA_FIXED_BYTES,
    END,
    ESCAPE,
    EVENT_BYTES,
    EVENT_FORMAT,
    FRAME_BYTES,
    FRAME_FORMAT,
    HEADER,
    K_BITS,
    MAGIC,
    ORDER_BITS,
    RAW_BITS,
    TYPE_NAMES,
    VERSION,
    FormatError,
)

# The header's keys, what they mean, and units (the host checks and reads them).
HEADER_KEYS = {
    "format": "always 'korset-session'",
    "version": "format version (VERSION)",
    "session": "session number on the board (increasing, never reused)",
    "device": "the board's unique id, hex",
    "board": "board definition name",
    "firmware": "firmware version",
    "start_unix_s": "wall-clock start, s since 1970 UTC (null: the board's clock was never set)",
    "start_ticks_ms": "board ticks_ms at the start (wraps every 2**30 ms on 32-bit ports)",
    "start_uptime_ms": "board uptime at the start, ms (never wraps; absent from older firmware)",
    "boot": "random id of the boot the set was recorded in (dates a set whose clock was "
            "unset: korset.session.start_unix_s); absent in older sessions",
    "exercise": "catalogue number or key (null: free recording)",
    "tolerance_deg": "tolerance per axis, degrees {flexion, lateral, rotation}",
    "targets": "{reps, holds, hold_s} of the set",
    "imu": "IMU model",
    "rate_hz": "sample rate the chip was set to, Hz (nominal)",
    "accel_fs_g": "accelerometer full scale, g",
    "gyro_fs_dps": "gyroscope full scale, degrees/s",
    "accel_g_per_lsb": "accelerometer scale, g per count",
    "gyro_dps_per_lsb": "gyroscope scale, degrees/s per count",
    "alignment": "mounting: body axes as signed chip axes (korsetfw.align)",
    "gyro_bias_counts": "gyro bias known at the start, counts, body axes (null: none yet)",
}
END_KEYS = {
    "reason": "'stopped' (set ended), 'storage_full', 'error'",
    "samples": "samples in the session",
    "count": "live count: reps or holds",
    "buzzes": "fault episodes buzzed",
    "gyro_bias_counts": "gyro bias at the end, counts, body axes",
    "bus_errors": "I2C errors during the set",
    "fifo_overruns": "IMU FIFO overruns during the set (samples lost by the chip)",
    "dropped_events": "events not recorded for lack of room",
}


_leading_ones = []  # type: list[int]  # for a 12-bit window: its leading ones (built on first use)


def _leading_ones_table():
    if not _leading_ones:
        for w in range(1 << ESCAPE):
            q = 0
            while q < ESCAPE and (w >> (ESCAPE - 1 - q)) & 1:
                q += 1
            _leading_ones.append(q)
    return _leading_ones


def decode_samples(data, start, end, first, n, out):
    """Decode ``n`` samples from data[start:end], starting from ``first``, into ``out``.

    ``out`` is a list; 6 values per sample are appended. Raises FormatError
    when the stream is inconsistent. (Written for speed: the bit reader is
    inlined, and a unary run is found with a table over the next 12 bits.
    ``acc`` holds up to 35 bits: a long int on 32-bit ports, which is fine
    off the per-sample path.)
    """
    lead = _leading_ones_table()
    prev = list(first)
    prev2 = list(first)
    pos = start  # next byte to load; past ``end`` zeros are loaded instead
    acc = 0
    nacc = 0
    left = n
    k = [0] * AXES
    order2 = [0] * AXES
    z = [0] * (AXES * BLOCK)
    while left > 0:
        m = BLOCK if left > BLOCK else left
        while nacc < AXES * (ORDER_BITS + K_BITS):
            acc = (acc << 8) | (data[pos] if pos < end else 0)
            pos += 1
            nacc += 8
        for a in range(AXES):
            nacc -= ORDER_BITS + K_BITS
            head = acc >> nacc
            acc &= (1 << nacc) - 1
            order2[a] = head >> K_BITS
            k[a] = head & 15
        for j in range(AXES * m):
            while nacc < ESCAPE + RAW_BITS:  # the longest code
                acc = (acc << 8) | (data[pos] if pos < end else 0)
                pos += 1
                nacc += 8
            q = lead[acc >> (nacc - ESCAPE)]
            if q < ESCAPE:
                ka = k[j % AXES]
                nacc -= q + 1 + ka
                z[j] = (q << ka) | ((acc >> nacc) & ((1 << ka) - 1))
            else:
                nacc -= ESCAPE + RAW_BITS
                z[j] = (acc >> nacc) & 0xFFFF
            acc &= (1 << nacc) - 1
        j = 0
        for _ in range(m):
            for a in range(AXES):
                zz = z[j]
                v = (zz >> 1 if not zz & 1 else -((zz + 1) >> 1))
                p = prev[a]
                v += p + p - prev2[a] if order2[a] else p
                v = ((v + 32768) & 0xFFFF) - 32768
                prev2[a] = p
                prev[a] = v
                out.append(v)
                j += 1
        left -= m
    # Bits loaded but not used: the stream's padding, and what was read ahead.
    unused_bits = nacc - 8 * (pos - end)
    if unused_bits < 0:
        raise FormatError("sample stream ends early")
    if unused_bits >= 8:
        raise FormatError("%d bytes after the sample stream" % (unused_bits // 8))


def parse_chunk(data, offset):
    """The chunk at ``offset``: (kind, seq, payload start, payload end, next offset).

    Raises FormatError if there is no whole, intact chunk there.
    """
    import binascii

    if len(data) - offset < FRAME_BYTES + CRC_BYTES:
        raise FormatError("truncated chunk")
    magic, kind, version, seq, n = struct.unpack_from(FRAME_FORMAT, data, offset)
    if magic != MAGIC:
        raise FormatError("no chunk here")
    end = offset + FRAME_BYTES + n
    if end + CRC_BYTES > len(data):
        raise FormatError("truncated chunk")
    crc = struct.unpack_from("<I", data, end)[0]
    if binascii.crc32(memoryview(data)[offset:end]) & 0xFFFFFFFF != crc:
        raise FormatError("CRC mismatch")
    if version != VERSION:
        raise FormatError("format version %d (this software reads %d)" % (version, VERSION))
    if kind not in TYPE_NAMES:
        raise FormatError("unknown chunk type %d" % kind)
    return kind, seq, offset + FRAME_BYTES, end, end + CRC_BYTES


def decode_data(data, start, end):
    """A DATA payload: (first sample index, samples as a flat list, events [(code, i, v)])."""
    if end - start < DATA_FIXED_BYTES:
        raise FormatError("data chunk too short")
    first_index, n, stream_len, n_events = struct.unpack_from("<IHHH", data, start)
    events_at = start + DATA_FIXED_BYTES + stream_len
    if events_at + EVENT_BYTES * n_events != end:
        raise FormatError("data chunk lengths disagree")
    samples = []  # type: list[int]
    if n:
        first = struct.unpack_from("<6h", data, start + 10)
        decode_samples(data, start + DATA_FIXED_BYTES, events_at, first, n, samples)
    elif stream_len:
        raise FormatError("sample stream without samples")
    events = []
    for e in range(n_events):
        events.append(struct.unpack_from(EVENT_FORMAT, data, events_at + EVENT_BYTES * e))
    return first_index, samples, events


# -- a whole session ---------------------------------------------------------------------


class Decoded:
    """What a session file holds, as far as it could be read."""

    def __init__(self):
        self.header = None  # type: dict | None
        self.end = None  # type: dict | None
        self.segments = []  # type: list  # (first sample index, flat samples) per data chunk
        self.events = []  # type: list  # (code, sample index, value)
        self.chunks = 0  # intact chunks read
        self.problems = []  # type: list[str]  # what was lost, and where

    @property
    def n_samples(self):
        return sum(len(s) for _, s in self.segments) // AXES


def _json_payload(data, start, end):
    import json

    try:
        value = json.loads(bytes(data[start:end]).decode())
    except (ValueError, UnicodeError):
        raise FormatError("record is not JSON") from None
    if not isinstance(value, dict):
        raise FormatError("record is not a JSON object")
    return value


def _next_chunk(data, offset):
    """Offset of the next intact chunk after ``offset``, or -1."""
    while True:
        offset = data.find(MAGIC, offset + 1)
        if offset < 0:
            return -1
        try:
            parse_chunk(data, offset)
            return offset
        except FormatError:
            pass


def decode(data):
    """Decode a whole session file (bytes). Salvages every intact chunk.

    Raises FormatError only when ``data`` is not a session at all; anything
    lost on the way is described in ``Decoded.problems``.
    """
    data = bytes(data)
    if not data.startswith(MAGIC):
        raise FormatError("not a Korset session (it does not start with %r)" % MAGIC)
    d = Decoded()
    offset = 0
    expected_seq = 0
    next_index = 0
    while offset < len(data):
        try:
            kind, seq, start, end, following = parse_chunk(data, offset)
        except FormatError as e:
            resume = _next_chunk(data, offset)
            if resume < 0:
                d.problems.append("bytes %d-%d unreadable (%s): dropped"
                                  % (offset, len(data), e))
                break
            d.problems.append("bytes %d-%d unreadable (%s): skipped" % (offset, resume, e))
            offset = resume
            continue
        offset = following
        if seq < expected_seq:
            d.problems.append("chunk %d repeated or out of order: ignored" % seq)
            continue
        if seq > expected_seq:
            if seq - expected_seq == 1:
                d.problems.append("chunk %d missing" % expected_seq)
            else:
                d.problems.append("chunks %d-%d missing" % (expected_seq, seq - 1))
        expected_seq = seq + 1
        try:
            if kind == HEADER:
                if seq != 0:
                    raise FormatError("header chunk in the middle")
                d.header = _json_payload(data, start, end)
            elif kind == END:
                d.end = _json_payload(data, start, end)
            else:
                first_index, samples, events = decode_data(data, start, end)
                if first_index < next_index:
                    raise FormatError("samples from %d overlap earlier ones" % first_index)
                if first_index > next_index:
                    d.problems.append("samples %d-%d lost" % (next_index, first_index - 1))
                next_index = first_index + len(samples) // AXES
                d.segments.append((first_index, samples))
                d.events.extend(events)
        except FormatError as e:
            d.problems.append("chunk %d (%s) unusable: %s" % (seq, TYPE_NAMES[kind], e))
            continue
        d.chunks += 1
    return finish(d, next_index)


def finish(d, next_index):
    """The whole file's verdict once its chunks are read (``next_index``: the sample after
    the last one read): FormatError if it is no session, else ``d`` with what is missing
    said. Shared with the host's vectorised decoder (``korset.sessionfast``), so that
    both say the same."""
    if d.chunks == 0:
        raise FormatError("not a Korset session (no intact chunk)")
    if d.header is None:
        d.problems.insert(0, "header lost: rate, scales and mounting unknown")
    elif d.header.get("format") != "korset-session":
        raise FormatError("not a Korset session (header format %r)" % d.header.get("format"))
    if d.end is None:
        d.problems.append("no end record: recording interrupted (power lost or reset) "
                          "after sample %d" % next_index)
    return d
