"""The session file format: one definition for the board that writes it and the host that reads it.

A session is one exercise set (or a free recording) as the board stored it:
a sequence of self-delimiting chunks, appended and flushed one at a time, so
that a power cut keeps every chunk written before it.

Chunk (little-endian)::

    offset size
     0     2    magic b"KS"
     2     1    type: HEADER, DATA or END
     3     1    format version (VERSION)
     4     4    sequence number: 0 for the header, then 1, 2, ... in the file
     8     2    payload length, bytes
    10     n    payload
    10+n   4    CRC-32 (IEEE, as binascii.crc32) of bytes 0 .. 10+n

HEADER and END payloads are UTF-8 JSON objects (HEADER_KEYS, END_KEYS: what
the set was, and how it ended). A DATA payload holds the raw IMU samples of
a stretch of the set and the events that happened in it::

     0     4    index of its first sample in the session (0-based)
     4     2    samples in this chunk
     6     2    length of the sample bit stream, bytes
     8     2    events in this chunk
    10    12    first sample: 6 int16 (ax ay az gx gy gz, chip axes, raw counts)
    22     b    sample bit stream (all the chunk's samples, the first coded
                as a residual of 0 from itself, which keeps blocks whole)
    22+b  9*e   events: code u8, sample index u32, value i32 (see korsetfw.events)

Samples are stored losslessly as the chip gave them (chip axes, counts; the
header's alignment and scales turn them into body-frame units). Samples go
in blocks of ``BLOCK`` (the last one of a chunk may be shorter). For each
block and axis the coder predicts every sample from the ones before, either
as the previous sample (order 1: still or noisy stretches) or by extending
the line through the previous two (order 2: smooth large movements), takes
whichever leaves the smaller residuals, and codes the residuals (modulo
2**16, zigzag-mapped: 0, -1, 1, -2 ... -> 0, 1, 2, 3 ...) with a Rice code:
quotient ``z >> k`` in unary (ones ended by a zero), then the low ``k``
bits. A block starts with, per axis, one bit for the order (0: order 1) and
four for ``k`` (about log2 of the mean residual). A quotient of ``ESCAPE``
or more is written as ``ESCAPE`` ones followed by the 16-bit zigzag value.
Bits are packed most significant first; the stream is padded with zeros to
a whole byte. Each chunk starts from its own first sample (as both previous
samples), so any chunk decodes without the others.

Everything here runs on MicroPython and CPython. ``SampleCoder.encode_block``
and ``BitWriter`` allocate nothing (the recorder's per-sample work), and keep
every integer below 2**30, a small int on 32-bit ports.
"""

import struct

from korsetfw import const

MAGIC = b"KS"
VERSION = const(1)
HEADER = const(1)
DATA = const(2)
END = const(3)
TYPE_NAMES = {HEADER: "header", DATA: "data", END: "end"}

FRAME_FORMAT = "<2sBBIH"
FRAME_BYTES = const(10)
CRC_BYTES = const(4)
DATA_FORMAT = "<IHHH6h"
DATA_FIXED_BYTES = const(22)
EVENT_FORMAT = "<BIi"
EVENT_BYTES = const(9)
MAX_PAYLOAD = const(65535)

BLOCK = const(32)  # samples per block (predictor and k chosen per block and axis)
AXES = const(6)
ORDER_BITS = const(1)
K_BITS = const(4)
ESCAPE = const(12)  # unary run that announces a raw 16-bit value
RAW_BITS = const(16)
# Most bits one block can take: six orders and k's, then every value escaped.
MAX_BLOCK_BITS = AXES * (ORDER_BITS + K_BITS) + BLOCK * AXES * (ESCAPE + RAW_BITS)

END_STOPPED = "stopped"
END_STORAGE_FULL = "storage_full"
END_ERROR = "error"


class FormatError(ValueError):
    """Bytes that are not (or no longer) a valid chunk."""


# -- bit packing -------------------------------------------------------------------------


class BitWriter:
    """Packs bit fields, most significant bit first, into a preallocated buffer."""

    def __init__(self, buf):
        self.buf = buf
        self.start = 0
        self.pos = 0
        self.acc = 0
        self.nacc = 0

    def reset(self, start):
        self.start = start
        self.pos = start
        self.acc = 0
        self.nacc = 0

    def write(self, value, nbits):
        # nbits <= 22, so acc (< 8 pending bits + nbits) stays below 2**30.
        acc = (self.acc << nbits) | value
        n = self.nacc + nbits
        buf = self.buf
        pos = self.pos
        while n >= 8:
            n -= 8
            buf[pos] = (acc >> n) & 0xFF
            pos += 1
        self.acc = acc & ((1 << n) - 1)
        self.nacc = n
        self.pos = pos

    def flush(self):
        """Pad to a whole byte; returns the stream's length in bytes."""
        if self.nacc:
            self.write(0, 8 - self.nacc)
        return self.pos - self.start


# -- the sample code ---------------------------------------------------------------------


class SampleCoder:
    """Predictive Rice coding of 6-axis int16 samples, block by block."""

    def __init__(self, writer):
        self.w = writer
        self.prev = [0] * AXES  # the last sample coded
        self.prev2 = [0] * AXES  # the one before
        self.p1 = [0] * AXES  # predictor state while a block is written
        self.p2 = [0] * AXES
        self.order2 = [False] * AXES
        self.k = [0] * AXES

    def first(self, samples, i):
        """Start a chunk at sample ``i`` of ``samples`` (stored raw by the caller): the
        predictions start from it."""
        b = AXES * i
        for a in range(AXES):
            self.prev[a] = samples[b + a]
            self.prev2[a] = samples[b + a]

    def encode_block(self, samples, i, n):
        """Code samples i .. i+n-1 (n <= BLOCK) of ``samples`` (flat int16, 6 per sample).

        Two passes over the block: the first sums each axis's residuals of both orders
        to choose the order and ``k``; the second computes the chosen residuals again
        and writes them (recomputing costs less than buffers for 2 x 192 residuals)."""
        prev = self.prev
        prev2 = self.prev2
        p1s = self.p1
        p2s = self.p2
        k = self.k
        order2 = self.order2
        w = self.w
        for a in range(AXES):
            total1 = 0
            total2 = 0
            p1 = prev[a]
            p2 = prev2[a]
            p1s[a] = p1
            p2s[a] = p2
            b = AXES * i + a
            for _ in range(n):
                x = samples[b]
                d = ((x - p1 + 32768) & 0xFFFF) - 32768
                total1 += d << 1 if d >= 0 else ((-d) << 1) - 1
                d = ((x - p1 - p1 + p2 + 32768) & 0xFFFF) - 32768
                total2 += d << 1 if d >= 0 else ((-d) << 1) - 1
                p2 = p1
                p1 = x
                b += AXES
            prev[a] = p1
            prev2[a] = p2
            use2 = total2 < total1
            order2[a] = use2
            # Rice parameter: about log2 of the mean (k = 0 for means below 2).
            m = (total2 if use2 else total1) // n
            ka = 0
            while m > 1 and ka < 15:
                m >>= 1
                ka += 1
            k[a] = ka
            w.write((16 if use2 else 0) | ka, ORDER_BITS + K_BITS)
        b = AXES * i
        for j in range(AXES * n):
            a = j % AXES
            x = samples[b + j]
            p1 = p1s[a]
            if order2[a]:
                d = ((x - p1 - p1 + p2s[a] + 32768) & 0xFFFF) - 32768
            else:
                d = ((x - p1 + 32768) & 0xFFFF) - 32768
            p2s[a] = p1
            p1s[a] = x
            zz = d << 1 if d >= 0 else ((-d) << 1) - 1
            ka = k[a]
            q = zz >> ka
            if q < ESCAPE:
                w.write((1 << (q + 1)) - 2, q + 1)  # q ones, then a zero
                if ka:
                    w.write(zz & ((1 << ka) - 1), ka)
            else:
                w.write((1 << ESCAPE) - 1, ESCAPE)
                w.write(zz, RAW_BITS)


# -- chunks ------------------------------------------------------------------------------


def pack_frame(buf, kind, seq, payload_len):
    """Write the frame header of a chunk whose payload is already at buf[10:]."""
    struct.pack_into(FRAME_FORMAT, buf, 0, MAGIC, kind, VERSION, seq, payload_len)


def chunk_bytes(kind, seq, payload):
    """A whole chunk (frame, payload, CRC) as bytes: for the header and end chunks."""
    import binascii

    if len(payload) > MAX_PAYLOAD:
        raise ValueError("chunk payload of %d bytes is too long" % len(payload))
    buf = bytearray(FRAME_BYTES + len(payload) + CRC_BYTES)
    buf[FRAME_BYTES:FRAME_BYTES + len(payload)] = payload
    pack_frame(buf, kind, seq, len(payload))
    end = FRAME_BYTES + len(payload)
    struct.pack_into("<I", buf, end, binascii.crc32(memoryview(buf)[:end]) & 0xFFFFFFFF)
    return bytes(buf)
