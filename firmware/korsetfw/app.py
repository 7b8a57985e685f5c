"""The firmware's main loop: read the IMU, run every sample through the pipeline, act.

A single loop, no threads: each pass drains the IMU FIFO, hands the raw
samples to the set's recording, rotates them to the body frame and runs them
through the pipeline (``App.step``, the per-sample path: it allocates nothing
once constructed; tests run it under ``micropython.heap_lock()``), then
handles what the pipeline reported (motor cues, console lines, session
events), lets the recording code and write (``SetRecording.service``), and
sleeps about one sample period.

Every set is recorded to flash as a session (``korsetfw.setrecording``,
format ``korsetfw.session``) unless the ``record`` setting is off. Recording
stops, with the storage cue and ``storage=full`` in the status line, when
free space runs below the board's ``storage.min_free_bytes``; the set itself
goes on. The button
(``korsetfw.button``): a short press takes the reference ("I am in
position"), holding it ``button.LONG_PRESS_MS`` ends the set.

Nothing stops the loop but a power cut, a reset or Ctrl-C: an exception in
any part of a pass is contained (``contain``): counted, printed, recorded in
the session as an ``internal_error`` event, flagged in INFO, cued (the
``error`` pattern, at most once a minute), and the next pass runs. The
sensing part and the link are contained apart, so a fault in the link never
stops sensing and buzzing; a link that keeps failing is switched off
(``LINK_ERRORS_MAX`` in a row). With the ``watchdog_s`` setting, the port's
``machine.WDT`` resets a board whose loop stalls.

Console lines (machine-readable, one per event; the host's replay reads them):

    event NAME t=SECONDS value=N      (t on the board's sample clock)
    status t=... state=... reps=... holds=... dev=ROT/FLEX/LAT ...
"""

import array

from korsetfw import FIRMWARE_VERSION, button, catalogue, forget, print_exception
from korsetfw import events as ev
from korsetfw.align import Aligner
from korsetfw.cues import Cues
from korsetfw.pipeline import ACTIVE, IDLE, WAITING, Pipeline, SetConfig
from korsetfw.setrecording import SetRecording
from korsetfw.units import RAD_PER_DEG, STANDARD_GRAVITY
from korsetfw.wallclock import WallClock

CSV_HEADER = "t,ax,ay,az,gx,gy,gz"  # the recording contract
_STATE_NAMES = {IDLE: "idle", WAITING: "waiting", ACTIVE: "active"}
LINK_ERRORS_MAX = 20  # consecutive link failures before BLE is switched off until reset
_ERRORS_PRINTED = 10  # tracebacks printed in full; later errors are only counted
_ERROR_CUE_MS = 60000  # the error cue at most this often
_CUE_FOR_EVENT = {
    ev.REFERENCE: "reference",
    ev.POSTURE_WRONG: "posture",
    ev.TARGET_REACHED: "target",
    ev.HOLD_COMPLETE: "hold",
    ev.STORAGE_FULL: "storage",
}


class App:
    def __init__(self, board, settings, hardware, clock, out=print, store=None, wallclock=None):
        """``store``: a ``korsetfw.store.SessionStore`` to record sets in (None: no recording);
        ``wallclock``: the board's ``korsetfw.wallclock.WallClock`` (default: a new one)."""
        self.board = board
        self.settings = settings
        self.hw = hardware
        self.clock = clock
        self.out = out
        imu = hardware.imu
        self.imu = imu
        self.rate_hz = imu.rate_hz
        self.aligner = Aligner(board["imu"]["alignment"])
        self.pipeline = Pipeline(imu.rate_hz, imu.accel_g_per_lsb, imu.gyro_dps_per_lsb)
        self.cues = Cues(hardware.motor, clock)
        self.samples = array.array("h", bytes(2 * 6 * imu.batch))
        self.n = 0  # samples in self.samples from the last step
        self.start_us = clock.ticks_us()
        self._accel_si = imu.accel_g_per_lsb * STANDARD_GRAVITY
        self._gyro_si = imu.gyro_dps_per_lsb * RAD_PER_DEG
        self._period_ms = max(1, 1000 // self.rate_hz)
        self._bus_errors = 0
        self._overruns = 0
        self._button = (None if hardware.button is None else
                        button.Button(hardware.button, board["button"]["active_low"], clock))
        # Unix time (once the host sets it) and uptime
        self.wallclock = wallclock if wallclock is not None else WallClock(clock)
        # The running set's session file (korsetfw.setrecording)
        self.recording = SetRecording(self.pipeline, imu, store, hardware.unique_id, board,
                                      clock, self.wallclock, out, self._storage_full)
        self.link = None  # korsetfw.link.Link, when the board has BLE
        self.programme = self._load_programme()  # programme.ProgrammeSet list
        self.programme_next = 0
        self.settings_path = None  # where configure() keeps the settings
        self.errors = 0  # exceptions contained by the main loop since boot
        self._link_failures = 0  # consecutive passes whose link work raised
        self._error_cue_ms = None  # when the error cue last played
        self.watchdog = None  # machine.WDT, when the settings ask for one

    # -- the per-sample path ---------------------------------------------------------

    def step(self):
        """Drain the FIFO, rotate to the body frame, run the pipeline. Allocates nothing."""
        n = self.imu.read(self.samples)
        if n:
            self.recording.add(self.samples, n)  # raw: chip axes, as read
            self.aligner.apply(self.samples, n)
            self.pipeline.process(self.samples, n, self.hw.motor.on)
        self.n = n
        return n

    # -- control ---------------------------------------------------------------------

    def start_set(self, exercise, tolerance_deg=None, target_reps=None, target_holds=None,
                  hold_s=None):
        """Start a set of ``exercise`` (a catalogue.Exercise); tolerance in degrees, one
        number or {axis: degrees}; targets default to the exercise's."""
        if self.recording.on:
            self.stop_set()
        self.pipeline.configure(SetConfig(exercise, tolerance_deg, target_reps, target_holds,
                                          hold_s))
        self.pipeline.start_set()
        if self.settings.record:
            self.recording.start()
        self.out("set %s (%s), tolerance %s deg" % (
            exercise.number or exercise.key, exercise.name_en,
            ", ".join("%s %.1f" % (a, t) for a, t in
                      self.pipeline.config.tolerance_deg.items()) or "none"))

    def configure(self, exercise, tolerance_deg=None):
        """The exercise (and tolerance) the next set without its own uses; kept on flash."""
        self.settings.exercise = exercise.number or exercise.key
        self.settings.tolerance_deg = tolerance_deg
        self._save_settings()

    def set_programme(self, sets, packed):
        """The patient's programme (programme.ProgrammeSet list; ``packed``: its wire form,
        kept in the settings file so it survives a reset)."""
        import binascii

        self.programme = sets
        self.programme_next = 0
        self.settings.programme = binascii.hexlify(bytes(packed)).decode()
        self._save_settings()

    def _save_settings(self):
        if self.settings_path is None:
            return
        from korsetfw import settings

        settings.save(self.settings, self.settings_path)
        forget("settings")  # as after boot: loaded for the save only

    def start_next_in_programme(self):
        s = self.programme[self.programme_next % len(self.programme)]
        self.programme_next += 1
        self.start_set(s.exercise, s.tolerance_deg, s.target_reps, s.holds, s.hold_s)

    def configured(self):
        """(exercise, tolerance) from the settings; (None, None) when none is chosen."""
        if self.settings.exercise is None:
            return None, None
        return catalogue.get(self.settings.exercise), self.settings.tolerance_deg

    def _load_programme(self):
        text = getattr(self.settings, "programme", None)
        if not text:
            return []
        import binascii

        from korsetfw import programme

        try:
            return programme.unpack_all(binascii.unhexlify(text))
        except (ValueError, KeyError):
            self.out("settings: the stored programme is not valid; ignored")
            return []

    # -- the app as the link sees it: it asks and commands through these only -------

    def state(self):
        """(a set is running, a session is being recorded, storage is full, errors
        contained since boot)."""
        r = self.recording
        return self.pipeline.state != IDLE, r.on, r.storage_full, self.errors

    def live_values(self):
        """(rotation, flexion, lateral deviation in degrees, pipeline state, buzzing,
        recording, live count): what the live view shows."""
        p = self.pipeline
        rot, flex, lat = p.deviation.angles_deg()
        return rot, flex, lat, p.state, p.buzzing, self.recording.on, p.counter.count

    def is_recording(self, number):
        return self.recording.is_recording(number)

    def has_programme(self):
        return bool(self.programme)

    def request_reference(self):
        self.pipeline.request_reference()

    def stop_set(self):
        self.pipeline.stop_set()
        self.handle_events()
        self.recording.stop()

    def _storage_full(self):
        """The recording found no room (it stops, keeping its session): say it, cue it."""
        self.out("event %s t=%.3f value=0" % (ev.NAMES[ev.STORAGE_FULL],
                                               self.sample_time_s(self.pipeline.sample_no)))
        self.cues.play("storage")

    # -- slow work -------------------------------------------------------------------

    def sample_time_s(self, k):
        """Time of sample number k (1-based): the chip's clock is the sample count."""
        return self.start_us / 1e6 + (k - 1) / self.rate_hz

    def handle_events(self):
        p = self.pipeline
        e = p.events
        for i in range(p.n_events):
            code = e[3 * i]
            sample_no = e[3 * i + 1]
            value = e[3 * i + 2]
            if code == ev.BUZZ_ON:
                self.cues.fault(True)
            elif code == ev.BUZZ_OFF:
                self.cues.fault(False)
            elif code in _CUE_FOR_EVENT:
                self.cues.play(_CUE_FOR_EVENT[code])
            self.recording.event(code, sample_no, value)
            self.out("event %s t=%.3f value=%d" % (
                ev.NAMES.get(code, str(code)), self.sample_time_s(sample_no), value))
        p.n_events = 0
        if self.imu.bus_errors != self._bus_errors:
            self._bus_errors = self.imu.bus_errors
            self.recording.event(ev.BUS_ERROR, p.sample_no, self._bus_errors)
            self.out("event %s t=%.3f value=%d" % (
                ev.NAMES[ev.BUS_ERROR], self.sample_time_s(p.sample_no), self._bus_errors))
        if self.imu.overruns != self._overruns:
            self._overruns = self.imu.overruns
            self.recording.event(ev.FIFO_OVERRUN, p.sample_no, self._overruns)
            self.out("event %s t=%.3f value=%d" % (
                ev.NAMES[ev.FIFO_OVERRUN], self.sample_time_s(p.sample_no), self._overruns))

    def poll_button(self):
        """A short press takes the reference ('I am in position'; event value 0), or with
        no set running opens the pairing window; a long one ends the set (value 1)."""
        if self._button is None:
            return
        press = self._button.poll()
        if not press:
            return
        p = self.pipeline
        self._button_event(0 if press == button.SHORT else 1)
        if press == button.LONG:
            if p.state != IDLE:
                self.stop_set()
        elif p.state != IDLE:
            p.request_reference()
        elif self.link is not None:
            self.link.open_pairing()  # no set running: let a new phone pair
            self.out("ble: pairing window open")

    def _button_event(self, value):
        p = self.pipeline
        self.out("event %s t=%.3f value=%d" % (
            ev.NAMES[ev.BUTTON], self.sample_time_s(p.sample_no), value))
        self.recording.event(ev.BUTTON, p.sample_no, value)

    def stream_samples(self):
        a = self._accel_si
        g = self._gyro_si
        s = self.samples
        first = self.pipeline.sample_no - self.n + 1
        for i in range(self.n):
            b = 6 * i
            self.out("%.5f,%.5f,%.5f,%.5f,%.6f,%.6f,%.6f" % (
                self.sample_time_s(first + i), s[b] * a, s[b + 1] * a, s[b + 2] * a,
                s[b + 3] * g, s[b + 4] * g, s[b + 5] * g))

    def status_line(self):
        p = self.pipeline
        rot, flex, lat = p.deviation.angles_deg()
        up = p.attitude.up
        return ("status t=%.2fs samples=%d state=%s count=%d dev=%+.1f/%+.1f/%+.1fdeg "
                "up=%+.2f/%+.2f/%+.2f overruns=%d bus_errors=%d%s" % (
                    self.clock.ticks_diff(self.clock.ticks_us(), self.start_us) / 1e6,
                    self.pipeline.sample_no, _STATE_NAMES[p.state], p.counter.count, rot, flex, lat,
                    up[0] / (1 << 28), up[1] / (1 << 28), up[2] / (1 << 28),
                    self.imu.overruns, self.imu.bus_errors,
                    " storage=full" if self.recording.storage_full else
                    (" rec=%d" % self.recording.number if self.recording.on else "")))

    def _idle(self, ms):
        """Sleep about ``ms``; with BLE, in 1 ms slices that end as soon as the link has
        work (a request, or data to send), so the host waits ~1 ms, not a loop period.
        (A port runs BLE IRQs during a sleep but does not end the sleep for them.)"""
        clock = self.clock
        link = self.link
        if link is None:
            clock.sleep_ms(ms)
            return
        deadline = clock.ticks_add(clock.ticks_ms(), ms)
        while clock.ticks_diff(deadline, clock.ticks_ms()) > 0 and not link.has_work():
            clock.sleep_ms(1)

    def contain(self, where, e):
        """An exception from part ``where`` of the main loop: count it, say it, record it,
        cue it; the loop goes on."""
        self.errors += 1
        p = self.pipeline
        if self.errors <= _ERRORS_PRINTED:
            self.out("error in %s: %r" % (where, e))
            print_exception(e)
        self.out("event %s t=%.3f value=%d" % (ev.NAMES[ev.INTERNAL_ERROR],
                                               self.sample_time_s(p.sample_no), self.errors))
        self.recording.event(ev.INTERNAL_ERROR, p.sample_no, self.errors)
        now = self.clock.ticks_ms()
        if self._error_cue_ms is None or \
                self.clock.ticks_diff(now, self._error_cue_ms) >= _ERROR_CUE_MS:
            self._error_cue_ms = now
            try:
                self.cues.play("error")
            except Exception:  # a motor that fails cannot cue; contain must return
                pass

    def _service_link(self, link):
        try:
            link.service()
            self._link_failures = 0
        except Exception as e:  # a fault in the link must not stop sensing
            self._link_failures += 1
            self.contain("ble", e)
            if self._link_failures >= LINK_ERRORS_MAX:
                self.out("ble: switched off after %d failures in a row; sensing goes on"
                         % self._link_failures)
                self.link = None
                try:
                    link.ble.active(False)
                except Exception:  # the stack is in trouble already: nothing more to do
                    pass

    def _pass(self, status_ms, next_status):
        """One pass of the main loop's work but the sleep; returns the next status time."""
        clock = self.clock
        settings = self.settings
        try:
            self.step()
            if settings.stream and self.n:
                self.stream_samples()
            self.handle_events()
            self.recording.service()
        except Exception as e:  # contained: the board keeps sensing
            self.contain("sensing", e)
        link = self.link
        if link is not None:
            self._service_link(link)
        try:
            self.wallclock.update()
            self.poll_button()
            self.cues.update()
            now = clock.ticks_ms()
            if status_ms and clock.ticks_diff(now, next_status) >= 0:
                next_status = clock.ticks_add(next_status, status_ms)
                self.out(self.status_line())
        except Exception as e:
            self.contain("controls", e)
        if self.watchdog is not None:
            self.watchdog.feed()
        return next_status

    def run(self):
        clock = self.clock
        settings = self.settings
        self.out("korset %s on %s: %s at %d Hz, +-%d g, +-%d dps" % (
            FIRMWARE_VERSION, self.board["name"], self.imu.NAME, self.rate_hz,
            self.imu.accel_fs_g, self.imu.gyro_fs_dps))
        for problem in settings.problems:
            self.out("settings: " + problem)
        if self.link is not None:
            try:
                self.link.start()
                self.out("ble: advertising as %s" % self.link.name)
            except Exception as e:  # OSError, or ValueError from a port's config: go on
                self.out("ble: not available (%r); running without it" % e)
                self.link = None
        if settings.stream:
            self.out(CSV_HEADER)
        self.cues.play("boot")
        if settings.exercise is not None:
            self.start_set(catalogue.get(settings.exercise), settings.tolerance_deg)
        status_ms = settings.status_period_s * 1000
        next_status = clock.ticks_add(clock.ticks_ms(), status_ms)
        try:
            while True:
                next_status = self._pass(status_ms, next_status)
                try:
                    self._idle(self._period_ms)
                except Exception as e:  # link.has_work raised: sleep without it
                    self.contain("ble", e)
                    clock.sleep_ms(self._period_ms)
        finally:
            self.hw.motor.stop()
            self.recording.close()  # whole chunks are on flash already
