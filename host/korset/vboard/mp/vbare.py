"""The App without a board around it: for running the firmware's loop body in
tests and benchmarks (the chip model on a simulated bus supplies the IMU)."""


class IdleMotor:
    on = False


class QuietMotor:
    """A motor that only remembers whether it is on (cues and the fault buzz can run)."""

    on = False

    def start(self):
        self.on = True

    def stop(self):
        self.on = False

    def update(self):
        pass


class Ticks:
    """The ``time`` ticks functions the firmware uses, on a hand-moved clock
    (``vclock.ManualClock``); ``sleep_ms`` moves it."""

    def __init__(self, clock):
        self._clock = clock

    def ticks_us(self):
        return self._clock.now_us()

    def ticks_ms(self):
        return self._clock.now_us() // 1000

    def ticks_diff(self, a, b):
        return a - b

    def ticks_add(self, a, b):
        return a + b

    def sleep_ms(self, ms):
        self._clock.advance_us(1000 * ms)


class BareHardware:
    def __init__(self, imu, motor=None):
        self.imu = imu
        self.motor = motor if motor is not None else IdleMotor()
        self.button = None
        self.unique_id = b"\x00\x01"
