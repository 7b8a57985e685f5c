"""The firmware's main loop: read the IMU, process every sample, report.

A single loop, no threads: each pass drains the IMU FIFO, runs the per-sample
pipeline over what came, does the slow work (console output, motor timing),
then sleeps about one sample period. ``App.step`` is the per-sample path; it
allocates nothing once constructed (tests run it under
``micropython.heap_lock()``).
"""

import array

from korsetfw import FIRMWARE_VERSION
from korsetfw.align import Aligner
from korsetfw.tilt import Tilt

STANDARD_GRAVITY = 9.80665  # m/s^2 per g
_RAD_PER_DEG = 0.017453292519943295
CSV_HEADER = "t,ax,ay,az,gx,gy,gz"  # the recording contract


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
        self.tilt = Tilt()
        self.samples = array.array("h", bytes(2 * 6 * imu.batch))
        self.n = 0  # samples in self.samples from the last step
        self.sample_count = 0
        self.start_us = clock.ticks_us()
        self._accel_si = imu.accel_g_per_lsb * STANDARD_GRAVITY
        self._gyro_si = imu.gyro_dps_per_lsb * _RAD_PER_DEG
        self._period_ms = max(1, 1000 // self.rate_hz)

    def step(self):
        """Per-sample path: drain the FIFO, rotate to the body frame, update state."""
        n = self.imu.read(self.samples)
        if n:
            self.aligner.apply(self.samples, n)
            self.tilt.update(self.samples, n)
            self.sample_count += n
        self.n = n
        return n

    def sample_time_s(self, k):
        """Time of sample number k: the chip's clock is the sample count."""
        return self.start_us / 1e6 + k / self.rate_hz

    def stream_samples(self):
        a = self._accel_si
        g = self._gyro_si
        s = self.samples
        first = self.sample_count - self.n
        for i in range(self.n):
            b = 6 * i
            self.out("%.5f,%.5f,%.5f,%.5f,%.6f,%.6f,%.6f" % (
                self.sample_time_s(first + i), s[b] * a, s[b + 1] * a, s[b + 2] * a,
                s[b + 3] * g, s[b + 4] * g, s[b + 5] * g))

    def status_line(self):
        flex, side = self.tilt.angles_deg()
        mag_g = self.tilt.magnitude_counts() * self.imu.accel_g_per_lsb
        return ("status t=%.2fs samples=%d flex=%+.1fdeg side=%+.1fdeg |a|=%.3fg "
                "overruns=%d bus_errors=%d" % (
                    self.clock.ticks_diff(self.clock.ticks_us(), self.start_us) / 1e6,
                    self.sample_count, flex, side, mag_g, self.imu.overruns,
                    self.imu.bus_errors))

    def run(self, boot_buzz_ms=150):
        clock = self.clock
        settings = self.settings
        self.out("korset %s on %s: %s at %d Hz, +-%d g, +-%d dps" % (
            FIRMWARE_VERSION, self.board["name"], self.imu.NAME, self.rate_hz,
            settings.accel_fs_g, settings.gyro_fs_dps))
        for problem in settings.problems:
            self.out("settings: " + problem)
        if settings.stream:
            self.out(CSV_HEADER)
        motor = self.hw.motor
        motor.start()  # "I am on": a short buzz at boot
        buzz_until = clock.ticks_add(clock.ticks_ms(), boot_buzz_ms)
        status_ms = settings.status_period_s * 1000
        next_status = clock.ticks_add(clock.ticks_ms(), status_ms)
        while True:
            self.step()
            if settings.stream and self.n:
                self.stream_samples()
            now = clock.ticks_ms()
            if motor.on and clock.ticks_diff(now, buzz_until) >= 0:
                motor.stop()
            motor.update()
            if status_ms and clock.ticks_diff(now, next_status) >= 0:
                next_status = clock.ticks_add(next_status, status_ms)
                self.out(self.status_line())
            clock.sleep_ms(self._period_ms)


def main():
    """Boot: read the board and settings, build the hardware, run."""
    import time

    from korsetfw import boarddef, hw, settings

    board = boarddef.load("/board.json")
    prefs = settings.load("/settings.json")
    hardware = hw.build(board, prefs, time)
    App(board, prefs, hardware, time).run()
