"""Record a session to an open file, chunk by chunk (format: ``korsetfw.session``).

Work is split by cost:

- ``add`` (every sample read): copies the raw samples into a ring;
- ``encode`` (every pass of the main loop): codes whole blocks from the ring
  into the chunk buffer and says when a chunk is ready;
- ``write`` (about every ``chunk_s``): frames the chunk, appends it and
  flushes the file, which on LittleFS commits it: a power cut after the
  flush keeps the chunk, one before keeps everything up to the chunk before.

``add`` and ``encode`` allocate nothing (tests run them under
``micropython.heap_lock()``); ``write`` (CRC, file I/O) may.
"""

import array
import json

try:
    from typing import Any  # noqa: F401  (type comments only)
except ImportError:
    pass
import struct

from korsetfw import const
from korsetfw import events as ev
from korsetfw import session as fmt

_AXES = const(6)
_BLOCK = const(32)  # session.BLOCK


class Recorder:
    def __init__(self, rate_hz, chunk_s=2.0, buffer_bytes=2048, ring_samples=128,
                 max_events=24):
        if ring_samples % _BLOCK:
            raise ValueError("ring_samples must be a multiple of %d" % _BLOCK)
        blocks = max(1, int(rate_hz * chunk_s / _BLOCK + 0.5))
        self.chunk_samples = blocks * _BLOCK
        self.ring = array.array("h", bytes(2 * _AXES * ring_samples))
        self.ring_samples = ring_samples
        self.head = 0  # where add puts the next sample
        self.tail = 0  # the next sample to code (always a block boundary)
        self.pending = 0  # samples in the ring not yet coded
        self.buf = bytearray(buffer_bytes)
        self._view = memoryview(self.buf)
        self.writer = fmt.BitWriter(self.buf)
        self.coder = fmt.SampleCoder(self.writer)
        self.first = array.array("h", bytes(2 * _AXES))
        self.max_events = max_events
        self.events = array.array("i", bytes(4 * 3 * max_events))
        # Room the stream must keep for one more block and the events' area.
        self._stream_limit = (buffer_bytes - fmt.CRC_BYTES - fmt.EVENT_BYTES * max_events
                              - fmt.MAX_BLOCK_BITS // 8 - 1)
        if self._stream_limit <= fmt.FRAME_BYTES + fmt.DATA_FIXED_BYTES:
            raise ValueError("buffer_bytes too small for one block and the events")
        self.f = None  # type: Any
        self._reset()

    def _reset(self):
        self.head = self.tail = self.pending = 0
        self.n_events = 0
        self.seq = 0
        self.samples = 0  # samples added to this session
        self.coded = 0  # samples coded into chunks so far
        self.chunk_n = 0  # samples in the chunk being coded
        self.chunk_first = 0  # session index of its first sample
        self.ready = False
        self.lost_samples = 0
        self.dropped_events = 0
        self.buzzes = 0
        self.bytes_written = 0

    @property
    def recording(self):
        return self.f is not None

    # -- session ---------------------------------------------------------------------

    def begin(self, f, header):
        """Start a session in ``f`` (a file open for binary writing) with ``header`` (dict)."""
        self._reset()
        self.f = f
        h = {"format": "korset-session", "version": fmt.VERSION}
        h.update(header)
        self._append(fmt.chunk_bytes(fmt.HEADER, 0, json.dumps(h).encode()))
        self.seq = 1

    def finish(self, summary):
        """Code what is left, write the end record, close. ``summary``: the END keys."""
        while self.encode(final=True):
            self.write()
        if self.chunk_n or self.n_events:
            self.ready = True
            self.write()
        s = {"samples": self.samples, "buzzes": self.buzzes,
             "lost_samples": self.lost_samples, "dropped_events": self.dropped_events}
        s.update(summary)
        self._append(fmt.chunk_bytes(fmt.END, self.seq, json.dumps(s).encode()))
        self.close()

    def close(self):
        """Close without an end record (after an error the file keeps its whole chunks)."""
        f = self.f
        self.f = None
        if f is not None:
            f.close()

    # -- per sample: allocates nothing -----------------------------------------------

    def add(self, samples, n):
        """Keep ``n`` raw samples (flat int16, 6 per sample) for coding."""
        ring = self.ring
        size = self.ring_samples
        h = self.head
        for i in range(n):
            if self.pending >= size:
                self.lost_samples += n - i  # encode/write fell behind: count, never block
                break
            b = _AXES * i
            r = _AXES * h
            ring[r] = samples[b]
            ring[r + 1] = samples[b + 1]
            ring[r + 2] = samples[b + 2]
            ring[r + 3] = samples[b + 3]
            ring[r + 4] = samples[b + 4]
            ring[r + 5] = samples[b + 5]
            h += 1
            if h == size:
                h = 0
            self.pending += 1
            self.samples += 1
        self.head = h

    def event(self, code, sample_index, value):
        """Record an event at ``sample_index`` (0-based in the session)."""
        if code == ev.BUZZ_ON:
            self.buzzes += 1
        if self.n_events >= self.max_events:
            self.dropped_events += 1
            return
        e = self.events
        i = 3 * self.n_events
        e[i] = code
        e[i + 1] = sample_index if sample_index > 0 else 0
        e[i + 2] = value
        self.n_events += 1
        if self.n_events > self.max_events // 2:
            self.ready = True

    def encode(self, final=False):
        """Code whole blocks (with ``final``, the last partial one too).

        Returns True when a chunk is ready to ``write``."""
        w = self.writer
        while not self.ready and (self.pending >= _BLOCK or (final and self.pending)):
            n = _BLOCK if self.pending >= _BLOCK else self.pending
            t = self.tail
            if self.chunk_n == 0:
                b = _AXES * t
                first = self.first
                for a in range(_AXES):
                    first[a] = self.ring[b + a]
                self.coder.first(self.ring, t)
                w.reset(fmt.FRAME_BYTES + fmt.DATA_FIXED_BYTES)
                self.chunk_first = self.coded
            self.coder.encode_block(self.ring, t, n)
            t += n
            if t >= self.ring_samples:
                t = 0
            self.tail = t
            self.pending -= n
            self.chunk_n += n
            self.coded += n
            if self.chunk_n >= self.chunk_samples or w.pos >= self._stream_limit:
                self.ready = True
        return self.ready

    # -- slow work: frame, CRC, file -------------------------------------------------

    def write(self):
        """Append the ready chunk and flush it to flash."""
        import binascii

        buf = self.buf
        stream_len = self.writer.flush() if self.chunk_n else 0
        f = self.first
        if not self.chunk_n:
            for a in range(_AXES):
                f[a] = 0
            self.chunk_first = self.coded
        at = fmt.FRAME_BYTES
        struct.pack_into(fmt.DATA_FORMAT, buf, at, self.chunk_first, self.chunk_n, stream_len,
                         self.n_events, f[0], f[1], f[2], f[3], f[4], f[5])
        at += fmt.DATA_FIXED_BYTES + stream_len
        e = self.events
        for i in range(self.n_events):
            struct.pack_into(fmt.EVENT_FORMAT, buf, at, e[3 * i], e[3 * i + 1], e[3 * i + 2])
            at += fmt.EVENT_BYTES
        fmt.pack_frame(buf, fmt.DATA, self.seq, at - fmt.FRAME_BYTES)
        struct.pack_into("<I", buf, at, binascii.crc32(self._view[:at]) & 0xFFFFFFFF)
        self._append(self._view[:at + fmt.CRC_BYTES])
        self.seq += 1
        self.chunk_n = 0
        self.n_events = 0
        self.ready = False

    def _append(self, data):
        self.f.write(data)
        self.f.flush()
        self.bytes_written += len(data)
