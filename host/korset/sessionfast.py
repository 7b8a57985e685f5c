"""Session files decoded with numpy: the host's fast decoder of ``korsetfw.session``.

It gives exactly what the reference decoder (``korsetfw.sessiondecode``,
shared with the firmware's tests, and the definition) gives: the same
header, end record, samples, events, intact-chunk count and problems, in the
same order; tests/host/test_session_fast.py checks that on sessions of every
exercise and on hundreds of seeded damaged ones. Steps:

1. Chunks are framed, checked, ordered and salvaged as the reference does,
   with its own ``parse_chunk`` and ``_next_chunk`` (a few per second of
   recording; the CRC is C), noting what each data chunk holds.
2. The sample streams of every data chunk are decoded together, in
   lockstep: one lane per chunk, and step j reads the j-th code of every
   lane (all lanes are then on axis j % 6 of a block, so each lane's Rice
   parameter for it is at hand). An hour at 104 Hz is some 1800 lanes and
   1350 steps of a dozen numpy operations each, where the reference takes
   2.2 million steps of Python.
3. Residuals back to samples, per axis: the first differences are the
   residuals' sums since the last order-1 sample (order 2 adds the residual to
   the previous difference, order 1 starts again from it), and the samples
   the differences' sums from the chunk's first sample, all in uint16 so that
   numpy's wrap-around is the coder's arithmetic modulo 2**16.

Points of deviation: a data chunk whose sample count is far above the
others' (only a crafted file has one; a board's chunks hold at most a couple
of seconds) would make every lane step for its sake: it is decoded alone by
the reference's ``decode_samples``. Its result is the reference's by
construction.
"""

from __future__ import annotations

import struct

import numpy as np

from korsetfw import session as fmt
from korsetfw import sessiondecode as ref
from korsetfw.session import AXES, BLOCK, ESCAPE, RAW_BITS, FormatError

_HEAD_BITS = AXES * (fmt.ORDER_BITS + fmt.K_BITS)  # a block's orders and k's
_FIELD_BITS = fmt.ORDER_BITS + fmt.K_BITS
_PAD = 8  # zero bytes after each stream in the lanes' buffer: the reads past its end
_ALONE_SAMPLES = 4096  # a lane longer than this, and than _ALONE_RATIO x the median ...
_ALONE_RATIO = 4  # ... is decoded alone by the reference
_BATCH = 2048  # lanes decoded together (an hour at 104 Hz: 1800; bounds the memory)
_LEAD = None  # leading ones of a 12-bit window (the reference's table, as an array)


class Decoded:
    """What a session file holds, as far as it could be read (``sessiondecode.Decoded``
    with each segment's samples as an (m, 6) int16 array)."""

    def __init__(self) -> None:
        self.header: dict | None = None
        self.end: dict | None = None
        self.segments: list[tuple[int, np.ndarray]] = []  # (first sample index, (m, 6))
        self.events: list[tuple[int, int, int]] = []  # (code, sample index, value)
        self.chunks = 0  # intact chunks read
        self.problems: list[str] = []  # what was lost, and where

    @property
    def n_samples(self) -> int:
        return sum(len(s) for _, s in self.segments)


def _lead() -> np.ndarray:
    global _LEAD
    if _LEAD is None:
        _LEAD = np.array(ref._leading_ones_table(), dtype=np.int64)
    return _LEAD


def _layout(data: bytes, start: int, end: int):
    """A data payload's fixed part and events, checked as ``sessiondecode.decode_data``
    checks them: (first index, n, stream start, stream end, first sample, events).
    Raises FormatError."""
    if end - start < fmt.DATA_FIXED_BYTES:
        raise FormatError("data chunk too short")
    first_index, n, stream_len, n_events = struct.unpack_from("<IHHH", data, start)
    events_at = start + fmt.DATA_FIXED_BYTES + stream_len
    if events_at + fmt.EVENT_BYTES * n_events != end:
        raise FormatError("data chunk lengths disagree")
    if not n and stream_len:
        raise FormatError("sample stream without samples")
    first = struct.unpack_from("<6h", data, start + 10)
    events = list(struct.iter_unpack(fmt.EVENT_FORMAT, data[events_at:end]))
    return first_index, n, start + fmt.DATA_FIXED_BYTES, events_at, first, events


def _stream_error(unused_bits: int) -> str | None:
    """The reference's verdict on a stream from its bits left unread."""
    if unused_bits < 0:
        return "sample stream ends early"
    if unused_bits >= 8:
        return "%d bytes after the sample stream" % (unused_bits // 8)
    return None


def _alone(data: bytes, start: int, end: int, first, n: int) -> np.ndarray | str:
    out: list[int] = []
    try:
        ref.decode_samples(data, start, end, first, n, out)
    except FormatError as e:
        return str(e)
    return np.array(out, dtype=np.int16).reshape(-1, AXES)


def decode_streams(data: bytes, streams: list[tuple[int, int, tuple, int]]
                   ) -> list[np.ndarray | str]:
    """Decode sample streams: each (start, end, first sample, n) of ``data``. For each, its
    (n, 6) int16 samples, or the FormatError message the reference raises for it."""
    out: list[np.ndarray | str] = [""] * len(streams)
    n_all = np.array([s[3] for s in streams], dtype=np.int64)
    lanes = []
    limit = max(_ALONE_SAMPLES, _ALONE_RATIO * int(np.median(n_all))) if len(streams) else 0
    for i, (start, end, first, n) in enumerate(streams):
        if n > limit:
            out[i] = _alone(data, start, end, first, n)
        elif 8 * (end - start) < _HEAD_BITS * (-(-n // BLOCK)) + AXES * n:
            out[i] = "sample stream ends early"  # shorter than its shortest possible code
        else:
            lanes.append(i)
    for at in range(0, len(lanes), _BATCH):
        batch = lanes[at:at + _BATCH]
        for i, result in zip(batch, _lockstep(data, [streams[i] for i in batch]), strict=True):
            out[i] = result
    return out


def _lockstep(data: bytes, streams: list[tuple[int, int, tuple, int]]
              ) -> list[np.ndarray | str]:
    n_lanes = len(streams)
    n = np.array([s[3] for s in streams], dtype=np.int64)
    order = np.argsort(-n, kind="stable")  # longest first: the lanes still going are a prefix
    parts = []
    offset = np.empty(n_lanes, dtype=np.int64)
    length = np.empty(n_lanes, dtype=np.int64)
    at = 0
    zeros = bytes(_PAD)
    for lane, i in enumerate(order):
        start, end, _first, _n = streams[i]
        offset[lane] = at
        length[lane] = end - start
        parts.append(data[start:end])
        parts.append(zeros)
        at += end - start + _PAD
    buf = b"".join(parts)
    # 56 bits from every byte on, big-endian: a code (<= 28 bits) at any bit offset.
    words = np.ndarray((len(buf) - 7,), dtype=">u8", buffer=buf, strides=(1,))
    window = (words >> np.uint64(8)).astype(np.int64)
    lead = _lead()
    n_sorted = n[order]
    n_max = int(n_sorted[0])
    pos = 8 * offset  # bit position of each lane's next code
    last_byte = offset + length  # a lane past its stream reads its zero padding
    z = np.zeros((AXES * n_max, n_lanes), dtype=np.int32)  # codes: at most 2**19
    order2 = np.zeros((-(-n_max // BLOCK), AXES, n_lanes), dtype=np.uint8)
    going = n_lanes
    k = k1 = mask = None
    j = 0
    for s in range(n_max):
        while n_sorted[going - 1] <= s:
            going -= 1
        p = pos[:going]
        b = np.minimum(p >> 3, last_byte[:going])
        if s % BLOCK == 0:
            w = (window[b] >> (56 - _HEAD_BITS - (p & 7))) & ((1 << _HEAD_BITS) - 1)
            fields = (w[None, :] >> (_FIELD_BITS * np.arange(AXES - 1, -1, -1))[:, None]) & 31
            order2[s // BLOCK, :, :going] = fields >> fmt.K_BITS
            k = fields & 15
            k1 = k + 1
            mask = (1 << k) - 1
            p += _HEAD_BITS
            b = np.minimum(p >> 3, last_byte[:going])
        elif k.shape[1] != going:
            k, k1, mask = k[:, :going], k1[:, :going], mask[:, :going]
        for a in range(AXES):
            if a:
                b = np.minimum(p >> 3, last_byte[:going])
            w = (window[b] >> (24 - (p & 7))) & 0xFFFFFFFF
            q = lead[w >> (32 - ESCAPE)]
            bits = q + k1[a]
            code = (q << k[a]) | ((w >> (32 - bits)) & mask[a])
            escaped = q == ESCAPE
            if escaped.any():
                code[escaped] = (w[escaped] >> (32 - ESCAPE - RAW_BITS)) & 0xFFFF
                bits[escaped] = ESCAPE + RAW_BITS
            p += bits
            z[j, :going] = code
            j += 1
    unused = 8 * length - (pos - 8 * offset)
    samples = _samples(z.reshape(n_max, AXES, n_lanes), order2, n_max,
                       np.array([streams[i][2] for i in order], dtype=np.int16).T)
    out: list[np.ndarray | str] = [""] * n_lanes
    for lane, i in enumerate(order):
        error = _stream_error(int(unused[lane]))
        out[i] = error if error else samples[lane, :n_sorted[lane]]
    return out


def _samples(z: np.ndarray, order2: np.ndarray, n_max: int, first: np.ndarray) -> np.ndarray:
    """(lanes, n_max, 6) int16 samples from the codes z (n_max, 6, lanes), each block's
    orders (blocks, 6, lanes) and each lane's first sample (6, lanes)."""
    # Zigzag back to residuals, modulo 2**16: (z >> 1) ^ -(z & 1).
    d = ((z >> 1) ^ -(z & 1)).astype(np.uint16)
    sums = np.cumsum(d, axis=0, dtype=np.uint16)
    # The last order-1 sample at or before each one: differences start again there.
    at = np.arange(n_max, dtype=np.int32)[:, None, None]
    o2 = np.repeat(order2, BLOCK, axis=0)[:n_max]
    restart = np.maximum.accumulate(np.where(o2 == 0, at, -1), axis=0)
    before = np.take_along_axis(sums, np.maximum(restart - 1, 0), axis=0)
    before[restart < 1] = 0
    diffs = sums - before
    x = np.cumsum(diffs, axis=0, dtype=np.uint16) + first.view(np.uint16)[None]
    return np.ascontiguousarray(x.view(np.int16).transpose(2, 0, 1))


def decode(data: bytes) -> Decoded:
    """Decode a whole session file (bytes), as ``sessiondecode.decode`` does.

    Raises FormatError only when ``data`` is not a session at all; anything
    lost on the way is described in ``Decoded.problems``.
    """
    data = bytes(data)
    if not data.startswith(fmt.MAGIC):
        raise FormatError("not a Korset session (it does not start with %r)" % fmt.MAGIC)
    # 1. Chunks as the reference walks them: problems, and the chunks to use, in order.
    steps: list[str | tuple[int, int, int, int]] = []
    offset = 0
    expected_seq = 0
    while offset < len(data):
        try:
            kind, seq, start, end, following = ref.parse_chunk(data, offset)
        except FormatError as e:
            resume = ref._next_chunk(data, offset)
            if resume < 0:
                steps.append("bytes %d-%d unreadable (%s): dropped" % (offset, len(data), e))
                break
            steps.append("bytes %d-%d unreadable (%s): skipped" % (offset, resume, e))
            offset = resume
            continue
        offset = following
        if seq < expected_seq:
            steps.append("chunk %d repeated or out of order: ignored" % seq)
            continue
        if seq > expected_seq:
            if seq - expected_seq == 1:
                steps.append("chunk %d missing" % expected_seq)
            else:
                steps.append("chunks %d-%d missing" % (expected_seq, seq - 1))
        expected_seq = seq + 1
        steps.append((kind, seq, start, end))
    # 2. Every data chunk's samples at once.
    layouts: dict[int, tuple | str] = {}
    streams = []
    for i, step in enumerate(steps):
        if isinstance(step, tuple) and step[0] == fmt.DATA:
            try:
                layouts[i] = _layout(data, step[2], step[3])
            except FormatError as e:
                layouts[i] = str(e)
                continue
            _first_index, n, s_start, s_end, first, _events = layouts[i]
            if n:
                streams.append((s_start, s_end, first, n))
    decoded = iter(decode_streams(data, streams))
    empty = np.zeros((0, AXES), dtype=np.int16)
    # 3. The rest of the reference's walk, with each chunk's outcome known.
    d = Decoded()
    next_index = 0
    for i, step in enumerate(steps):
        if isinstance(step, str):
            d.problems.append(step)
            continue
        kind, seq, start, end = step
        try:
            if kind == fmt.HEADER:
                if seq != 0:
                    raise FormatError("header chunk in the middle")
                d.header = ref._json_payload(data, start, end)
            elif kind == fmt.END:
                d.end = ref._json_payload(data, start, end)
            else:
                layout = layouts[i]
                if isinstance(layout, str):
                    raise FormatError(layout)
                first_index, n, _s, _e, _first, events = layout
                samples = next(decoded) if n else empty
                if isinstance(samples, str):
                    raise FormatError(samples)
                if first_index < next_index:
                    raise FormatError("samples from %d overlap earlier ones" % first_index)
                if first_index > next_index:
                    d.problems.append("samples %d-%d lost" % (next_index, first_index - 1))
                next_index = first_index + len(samples)
                d.segments.append((first_index, samples))
                d.events.extend(events)
        except FormatError as e:
            d.problems.append("chunk %d (%s) unusable: %s" % (seq, fmt.TYPE_NAMES[kind], e))
            continue
        d.chunks += 1
    return ref.finish(d, next_index)
