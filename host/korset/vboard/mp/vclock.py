"""The virtual board's clock: simulated time that moves only when the firmware waits.

In fast mode (``speed == 0``) a sleep advances simulated time at once, so a run
is deterministic and as quick as the firmware's code. With ``speed > 0`` every
sleep also waits for the wall clock, ``speed`` times faster than real time.
``stop_at_us`` powers the board off (raises PowerOff from the sleep) once the
simulated time passes it, so that a run with a motion trace ends by itself.
"""

try:
    import utime as _wall  # the built-in time module: ``time`` itself is shimmed on the board
except ImportError:  # CPython, in tests: only ManualClock is used there
    _wall = None


class PowerOff(SystemExit):
    """The virtual board lost power (end of run). Not an error of the firmware."""


class SimClock:
    def __init__(self, speed=0.0, stop_at_us=None, start_us=0):
        self.speed = speed
        self.stop_at_us = stop_at_us
        self._now_us = start_us
        self._wall_start_us = _wall.ticks_us()
        self.radio = None  # the bluetooth shim: takes radio events while the board waits
        self.watchdog = None  # machine.WDT, once the firmware starts one

    def now_us(self):
        return self._now_us

    def advance_us(self, us):
        if us > 0:
            self._now_us += us
        if self.speed > 0:
            target = int(self._now_us / self.speed)
            lag = target - _wall.ticks_diff(_wall.ticks_us(), self._wall_start_us)
            if self.radio is not None:
                self.radio.wait(lag if lag > 0 else 0)
            elif lag > 0:
                _wall.sleep_us(lag)
        elif self.radio is not None:
            self.radio.wait(0)
        if self.watchdog is not None:
            self.watchdog.check(self._now_us)
        if self.stop_at_us is not None and self._now_us >= self.stop_at_us:
            raise PowerOff(0)


class ManualClock:
    """A clock that tests move by hand (no power-off, no wall clock)."""

    def __init__(self, start_us=0):
        self._now_us = start_us

    def now_us(self):
        return self._now_us

    def advance_us(self, us):
        self._now_us += us


# The board's clock, installed by vboot before the firmware runs.
clock = ManualClock()
