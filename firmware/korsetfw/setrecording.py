"""A set's recording: the session file of the running set, from its start to its end.

The App starts one with every set unless the ``record`` setting is off
(``start``), hands it the raw samples of every pass (``add``, on the
per-sample path: allocates nothing) and the set's events (``event``), lets it
code and write on every pass (``service``) and ends it with the set
(``stop``). The file comes from the board's ``korsetfw.store.SessionStore``;
its header tells what the set was (exercise, tolerance, targets, the IMU's
scales, the mounting, the gyro bias so far, the clocks), its end record how it
ended. Recording stops, with ``storage_full`` set, the ``STORAGE_FULL`` event
recorded and the App told (``on_full``: it cues it), when the store's free
space runs below its ``min_free_bytes``; the session keeps what it had. An
OSError from the filesystem stops the recording too (said on the console),
never the set.
"""

from korsetfw import FIRMWARE_VERSION
from korsetfw import events as ev
from korsetfw import session as fmt
from korsetfw.recorder import Recorder


class SetRecording:
    def __init__(self, pipeline, imu, store, device_id, board, clock, wallclock, out,
                 on_full):
        """``pipeline``: the set's ``korsetfw.pipeline.Pipeline``; ``imu``: its driver;
        ``store``: a ``SessionStore`` (None: nothing is recorded); ``device_id``: the MCU's
        id (bytes); ``board``: the board definition (its name and alignment go into the
        header); ``clock``: ``time``'s ticks; ``wallclock``: the board's ``WallClock``;
        ``out``: the console; ``on_full()``: called when storage runs out."""
        self._pipeline = pipeline
        self._imu = imu
        self._store = store
        self._device_id = device_id
        self._board = board
        self._clock = clock
        self._wallclock = wallclock
        self._out = out
        self._on_full = on_full
        # Buffers sized to what a pass needs: each pass adds at most one FIFO read
        # (imu.batch samples) and ``service`` codes every whole block of 32, so fewer than
        # 32 + batch samples wait in the ring (a stalled loop leaves them in the chip's
        # FIFO, not here); the chunk buffer's 640 bytes of stream hold a 2 s chunk at up
        # to 3 bytes a sample (the benches and the demo's patient: 1.2-3.3), and a
        # denser stream closes its chunk early instead (36 bytes of framing per chunk).
        self._rec = Recorder(imu.rate_hz, buffer_bytes=1536,
                             ring_samples=(imu.batch + 63) // 32 * 32)
        self.on = False  # a session file is open
        self.number = 0  # the session being (or last) recorded (0: none yet)
        self.storage_full = False
        self._origin = 0  # pipeline sample number just before the session's first
        self._bus_errors = 0  # the IMU's counts at the start, for the end record
        self._overruns = 0

    def start(self):
        """Record the set the pipeline has just started to a new session file."""
        store = self._store
        if store is None:
            return
        try:
            if not store.has_room():
                self.full()
                return
            number, f = store.create()
        except OSError as e:
            self._out("storage: cannot record (%s)" % e)
            return
        if self.record_to(f, number):
            self._out("recording session %d" % number)

    def record_to(self, f, number=0):
        """Record the running set into ``f`` (a file open for binary writing) as session
        ``number``; False when its header could not be written (the file is closed)."""
        p = self._pipeline
        cfg = p.config
        ex = cfg.exercise
        imu = self._imu
        wallclock = self._wallclock
        self._origin = p.sample_no
        self._bus_errors = imu.bus_errors
        self._overruns = imu.overruns
        try:
            self._rec.begin(f, {
                "session": number,
                "device": "".join("%02x" % b for b in self._device_id),
                "board": self._board["name"],
                "firmware": FIRMWARE_VERSION,
                "start_unix_s": wallclock.unix_s(),
                "start_ticks_ms": self._clock.ticks_ms(),
                "start_uptime_ms": wallclock.uptime_ms(),
                "boot": wallclock.boot,
                "exercise": ex.number or ex.key,
                "tolerance_deg": cfg.tolerance_deg,
                "targets": {"reps": cfg.target_reps, "holds": cfg.target_holds,
                            "hold_s": cfg.hold_s},
                "imu": imu.NAME,
                "rate_hz": imu.rate_hz,
                "accel_fs_g": imu.accel_fs_g,
                "gyro_fs_dps": imu.gyro_fs_dps,
                "accel_g_per_lsb": imu.accel_g_per_lsb,
                "gyro_dps_per_lsb": imu.gyro_dps_per_lsb,
                "alignment": self._board["imu"]["alignment"],
                "gyro_bias_counts": ([b / 65536 for b in p.stillness.bias]
                                     if p.stillness.calibrated else None),
            })
        except OSError as e:
            self._rec.close()
            self._out("storage: cannot record (%s)" % e)
            return False
        self.on = True
        self.number = number
        return True

    def is_recording(self, number):
        return self.on and self.number == number

    def bytes_written(self):
        """Bytes of the session being (or last) recorded written so far."""
        return self._rec.bytes_written

    # -- every pass ------------------------------------------------------------------

    def add(self, samples, n):
        """Keep ``n`` raw samples (chip axes, as read) for coding. Allocates nothing."""
        if self.on:
            self._rec.add(samples, n)

    def event(self, code, sample_no, value):
        """Record an event at pipeline sample ``sample_no``."""
        if self.on:
            self._rec.event(code, sample_no - self._origin - 1, value)

    def encode(self):
        """Code the samples kept so far into the chunk (allocates nothing); True when a
        chunk is ready to ``write``."""
        return self.on and self._rec.encode()

    def write(self):
        """Append the ready chunk to the file and flush it (CRC, file I/O: allocates)."""
        self._rec.write()

    def service(self):
        """Code the samples kept so far; write each chunk that is ready (every ~2 s)."""
        if not self.on:
            return
        rec = self._rec
        try:
            while rec.encode():
                if not self._store.has_room():
                    self.full()
                    return
                rec.write()
        except OSError as e:
            self.on = False
            rec.close()
            self._out("storage: recording stopped (%s); session %d kept up to its last chunk"
                      % (e, self.number))

    # -- the end ---------------------------------------------------------------------

    def stop(self, reason=fmt.END_STOPPED):
        """End the session with its end record (what is left coded and written first)."""
        if not self.on:
            return
        p = self._pipeline
        imu = self._imu
        rec = self._rec
        self.on = False
        try:
            rec.finish({
                "reason": reason,
                "count": p.counter.count,
                "gyro_bias_counts": [b / 65536 for b in p.stillness.bias],
                "bus_errors": imu.bus_errors - self._bus_errors,
                "fifo_overruns": imu.overruns - self._overruns,
                "dropped_events": rec.dropped_events + p.dropped_events,
            })
        except OSError as e:
            rec.close()
            self._out("storage: session %d ended without its end record (%s)"
                      % (self.number, e))
            return
        self._out("session %d recorded: %d samples, %d bytes" % (
            self.number, rec.samples, rec.bytes_written))

    def full(self):
        """Storage ran out: flag it, tell the App, end the session with what it has."""
        self.storage_full = True
        self._on_full()
        if self.on:
            self.event(ev.STORAGE_FULL, self._pipeline.sample_no, 0)
            self.stop(fmt.END_STORAGE_FULL)

    def close(self):
        """Close the file without an end record (the loop ends: whole chunks are on flash
        already)."""
        if self.on:
            self.on = False
            self._rec.close()
