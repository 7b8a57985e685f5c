"""The user button: debounced, a short press or a long hold.

A press counts once the level has been steady for ``DEBOUNCE_MS`` (a
contact bounces for a few milliseconds). Releasing it before ``LONG_PRESS_MS``
is a short press, reported on release (so that a hold is never also a short
press); holding it that long is a long press, reported at once. What a press
does is the app's business.
"""

SHORT = 1
LONG = 2
LONG_PRESS_MS = 2000
DEBOUNCE_MS = 30


class Button:
    def __init__(self, pin, active_low, clock):
        """``pin``: a ``machine.Pin`` input (``value()``); ``clock``: ``time``'s ticks."""
        self._pin = pin
        self._pressed_level = 0 if active_low else 1
        self._clock = clock
        self._level = pin.value()
        self._since = clock.ticks_ms()
        self._down = False
        self._long_done = False

    def poll(self):
        """SHORT, LONG, or 0 (nothing new). Call every loop pass."""
        level = self._pin.value()
        now = self._clock.ticks_ms()
        if level != self._level:
            self._level = level
            self._since = now
            return 0
        pressed = level == self._pressed_level
        held_ms = self._clock.ticks_diff(now, self._since)
        if pressed != self._down and held_ms >= DEBOUNCE_MS:
            self._down = pressed
            if pressed:
                self._long_done = False
            elif not self._long_done:
                return SHORT
        elif pressed and self._down and not self._long_done and held_ms >= LONG_PRESS_MS:
            self._long_done = True
            return LONG
        return 0
