"""The firmware's main loop: read the IMU, run every sample through the pipeline, act.

A single loop, no threads: each pass drains the IMU FIFO, rotates the samples
to the body frame and runs them through the pipeline (``App.step``, the
per-sample path: it allocates nothing once constructed; tests run it under
``micropython.heap_lock()``), then handles what the pipeline reported (motor
cues, console lines), and sleeps about one sample period.

Console lines (machine-readable, one per event; the host's replay reads them):

    event NAME t=SECONDS value=N      (t on the board's sample clock)
    status t=... state=... reps=... holds=... dev=ROT/FLEX/LAT ...
"""

import array

from korsetfw import FIRMWARE_VERSION, catalogue
from korsetfw import events as ev
from korsetfw.align import Aligner
from korsetfw.cues import Cues
from korsetfw.pipeline import ACTIVE, IDLE, WAITING, Pipeline, SetConfig

STANDARD_GRAVITY = 9.80665  # m/s^2 per g
_RAD_PER_DEG = 0.017453292519943295
CSV_HEADER = "t,ax,ay,az,gx,gy,gz"  # the recording contract
_STATE_NAMES = {IDLE: "idle", WAITING: "waiting", ACTIVE: "active"}
_CUE_FOR_EVENT = {
    ev.REFERENCE: "reference",
    ev.POSTURE_WRONG: "posture",
    ev.TARGET_REACHED: "target",
    ev.HOLD_COMPLETE: "hold",
    ev.STORAGE_FULL: "storage",
}


class App:
    def __init__(self, board, settings, hardware, clock, out=print):
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
        self._gyro_si = imu.gyro_dps_per_lsb * _RAD_PER_DEG
        self._period_ms = max(1, 1000 // self.rate_hz)
        self._bus_errors = 0
        self._overruns = 0
        button = hardware.button
        self._button = button
        self._button_down = False
        self._button_since = 0
        self._button_level = button.value() if button is not None else 1

    # -- the per-sample path ---------------------------------------------------------

    def step(self):
        """Drain the FIFO, rotate to the body frame, run the pipeline. Allocates nothing."""
        n = self.imu.read(self.samples)
        if n:
            self.aligner.apply(self.samples, n)
            self.pipeline.process(self.samples, n, self.hw.motor.on)
        self.n = n
        return n

    # -- control ---------------------------------------------------------------------

    def start_set(self, exercise, tolerance_deg=None):
        """Start a set of ``exercise`` (a catalogue.Exercise)."""
        self.pipeline.configure(SetConfig(exercise, tolerance_deg))
        self.pipeline.start_set()
        self.out("set %s (%s), tolerance %s deg" % (
            exercise.number or exercise.key, exercise.name_en,
            ", ".join("%s %.1f" % (a, t) for a, t in
                      self.pipeline.config.tolerance_deg.items()) or "none"))

    def stop_set(self):
        self.pipeline.stop_set()
        self.handle_events()

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
            self.out("event %s t=%.3f value=%d" % (
                ev.NAMES.get(code, str(code)), self.sample_time_s(sample_no), value))
        p.n_events = 0
        if self.imu.bus_errors != self._bus_errors:
            self._bus_errors = self.imu.bus_errors
            self.out("event %s t=%.3f value=%d" % (
                ev.NAMES[ev.BUS_ERROR], self.sample_time_s(p.sample_no), self._bus_errors))
        if self.imu.overruns != self._overruns:
            self._overruns = self.imu.overruns
            self.out("event %s t=%.3f value=%d" % (
                ev.NAMES[ev.FIFO_OVERRUN], self.sample_time_s(p.sample_no), self._overruns))

    def poll_button(self):
        """A press (debounced 30 ms) takes the reference now: 'I am in position'."""
        b = self._button
        if b is None:
            return
        level = b.value()
        now = self.clock.ticks_ms()
        if level != self._button_level:
            self._button_level = level
            self._button_since = now
            return
        pressed = level == (0 if self.board["button"]["active_low"] else 1)
        if pressed != self._button_down and self.clock.ticks_diff(now, self._button_since) >= 30:
            self._button_down = pressed
            if pressed:
                p = self.pipeline
                self.out("event %s t=%.3f value=0" % (
                    ev.NAMES[ev.BUTTON], self.sample_time_s(p.sample_no)))
                if p.state != IDLE:
                    p.request_reference()

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
                "up=%+.2f/%+.2f/%+.2f overruns=%d bus_errors=%d" % (
                    self.clock.ticks_diff(self.clock.ticks_us(), self.start_us) / 1e6,
                    self.pipeline.sample_no, _STATE_NAMES[p.state], p.counter.count, rot, flex, lat,
                    up[0] / (1 << 28), up[1] / (1 << 28), up[2] / (1 << 28),
                    self.imu.overruns, self.imu.bus_errors))

    def run(self):
        clock = self.clock
        settings = self.settings
        self.out("korset %s on %s: %s at %d Hz, +-%d g, +-%d dps" % (
            FIRMWARE_VERSION, self.board["name"], self.imu.NAME, self.rate_hz,
            self.imu.accel_fs_g, self.imu.gyro_fs_dps))
        for problem in settings.problems:
            self.out("settings: " + problem)
        if settings.stream:
            self.out(CSV_HEADER)
        self.cues.play("boot")
        if settings.exercise is not None:
            self.start_set(catalogue.get(settings.exercise), settings.tolerance_deg)
        status_ms = settings.status_period_s * 1000
        next_status = clock.ticks_add(clock.ticks_ms(), status_ms)
        try:
            while True:
                self.step()
                if settings.stream and self.n:
                    self.stream_samples()
                self.handle_events()
                self.poll_button()
                self.cues.update()
                now = clock.ticks_ms()
                if status_ms and clock.ticks_diff(now, next_status) >= 0:
                    next_status = clock.ticks_add(next_status, status_ms)
                    self.out(self.status_line())
                clock.sleep_ms(self._period_ms)
        finally:
            self.hw.motor.stop()


def main():
    """Boot: read the board and settings, build the hardware, run."""
    import time

    from korsetfw import boarddef, hw, settings

    board = boarddef.load("/board.json")
    prefs = settings.load("/settings.json")
    hardware = hw.build(board, prefs, time)
    App(board, prefs, hardware, time).run()
