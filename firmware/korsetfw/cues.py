"""What the motor says: the fault buzz and the short cue patterns.

Cues are patterns of on/off times in milliseconds, each distinct by rhythm so
that a patient learns them without looking at anything:

- ``boot``: one 150 ms buzz, "I am on";
- ``reference``: two short pulses, "reference taken, start";
- ``posture``: five quick pulses, "not in the starting position";
- ``target``: long-short-short, "target reached";
- ``hold``: two long pulses, "hold complete, you may let go";
- ``storage``: nine quick pulses, "storage full, not recording";
- ``error``: two long pulses with a long gap, "something went wrong inside; I go on"
  (the board contained an internal error; the console and the session say which);
- ``imu``: three long pulses, repeated while it lasts, "I cannot feel anything: the
  sensor is not answering" (no IMU at boot: nothing is monitored).

The fault buzz (continuous while outside the tolerance) has priority: a cue
that comes during it waits and plays after it.
"""

PATTERNS = {
    "boot": (150,),
    "reference": (80, 80, 80),
    "posture": (60, 60, 60, 60, 60, 60, 60, 60, 60),
    "target": (400, 150, 120, 120, 120),
    "hold": (250, 150, 250),
    "storage": (60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60),
    "error": (700, 500, 700),
    "imu": (1000, 300, 1000, 300, 1000),
}


class Cues:
    def __init__(self, motor, clock):
        self._motor = motor
        self._clock = clock
        self._pattern = None
        self._step = 0
        self._next_ms = 0
        self._queued = None
        self._name = None
        self.fault_on = False
        self.played = 0

    def play(self, name):
        if self.fault_on or self._pattern is not None:
            self._queued = name
            return
        self._start(name)

    def _start(self, name):
        self._name = name
        self._pattern = PATTERNS[name]
        self._step = 0
        self._motor.start()
        self._next_ms = self._clock.ticks_add(self._clock.ticks_ms(), self._pattern[0])
        self.played += 1

    def fault(self, on):
        """The fault buzz: on while the lower back is outside the tolerance."""
        self.fault_on = on
        if on:
            if self._pattern is not None:
                # An interrupted cue plays again, whole, after the fault.
                if self._queued is None:
                    self._queued = self._name
                self._pattern = None
            self._motor.start()
        else:
            self._motor.stop()
            if self._queued is not None:
                name = self._queued
                self._queued = None
                self._start(name)

    def update(self):
        """Advance the pattern and the motor's kick; call every loop."""
        self._motor.update()
        pattern = self._pattern
        if pattern is None:
            return
        now = self._clock.ticks_ms()
        if self._clock.ticks_diff(now, self._next_ms) < 0:
            return
        self._step += 1
        if self._step >= len(pattern):
            self._pattern = None
            self._motor.stop()
            if self._queued is not None:
                name = self._queued
                self._queued = None
                self._start(name)
            return
        if self._step % 2:
            self._motor.stop()
        else:
            self._motor.start()
        self._next_ms = self._clock.ticks_add(self._next_ms, pattern[self._step])
