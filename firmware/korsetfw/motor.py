"""Vibration motor (ERM) on a PWM pin, with a spin-up kick.

An eccentric-rotating-mass motor takes tens of milliseconds to reach speed at
its rated voltage; driving it harder for the first few milliseconds (the
"kick", overdrive) makes a buzz felt sooner. The caller owns time: ``update``
is called from the main loop with the current tick.
"""


class Motor:
    def __init__(self, pwm, drive_pct, kick_pct, kick_ms, clock):
        self._pwm = pwm
        self._drive = drive_pct * 65535 // 100
        self._kick = kick_pct * 65535 // 100
        self._kick_ms = kick_ms
        self._clock = clock
        self._kick_until = 0
        self._kicking = False
        self.on = False
        self._pwm.duty_u16(0)

    def start(self):
        if self.on:
            return
        self.on = True
        if self._kick_ms > 0 and self._kick > self._drive:
            self._kicking = True
            self._kick_until = self._clock.ticks_add(self._clock.ticks_ms(), self._kick_ms)
            self._pwm.duty_u16(self._kick)
        else:
            self._pwm.duty_u16(self._drive)

    def stop(self):
        self.on = False
        self._kicking = False
        self._pwm.duty_u16(0)

    def update(self):
        """End the kick when its time is up. Cheap; call every loop."""
        if self._kicking and self._clock.ticks_diff(self._clock.ticks_ms(), self._kick_until) >= 0:
            self._kicking = False
            self._pwm.duty_u16(self._drive)
