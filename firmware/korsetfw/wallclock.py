"""The board's calendar time and uptime, in integers, from the ticks clock.

Why not a float: ESP32 and RP2 builds use single-precision floats, whose 24-bit
mantissa holds today's Unix time (about 1.8e9 s) only to 128 s. Why not
``ticks_ms`` alone: on 32-bit ports it wraps every 2**30 ms (12.4 days;
MicroPython's ``time`` docs: ticks are only to be compared with
``ticks_diff``, valid within half that period).

So the clock keeps a reference: the ``ticks_ms`` value at which it last
caught up, with the uptime (ms) and the Unix time (ms, once the host has set
it) at that moment, and moves the reference forward in whole seconds
(``update``, called from the main loop at least once a second; any call more
than 2**29 ms after the last would be ambiguous, which the loop's period
rules out). Values past 2**30 are MicroPython long ints: this is never on
the per-sample path.

``boot`` is a random number drawn at boot: a session's header carries it
with its start uptime, so that a host which learns the time later (at the
sync, in INFO) can date a set recorded before the clock was set in the same
boot, and knows not to date one from an earlier boot.
"""


class WallClock:
    def __init__(self, clock, boot=0):
        """``clock``: the ``time`` module (ticks_ms, ticks_diff, ticks_add)."""
        self._clock = clock
        self.boot = boot
        self._ref_ticks = clock.ticks_ms()
        self._uptime_ms = 0  # at _ref_ticks
        self._unix_ms = None  # at _ref_ticks; None until the host sets the time

    def _since_ref_ms(self):
        return self._clock.ticks_diff(self._clock.ticks_ms(), self._ref_ticks)

    def update(self):
        """Move the reference forward by the whole seconds since it (cheap otherwise)."""
        elapsed = self._since_ref_ms()
        if elapsed < 1000:
            return
        whole = elapsed - elapsed % 1000
        self._ref_ticks = self._clock.ticks_add(self._ref_ticks, whole)
        self._uptime_ms += whole
        if self._unix_ms is not None:
            self._unix_ms += whole

    @property
    def is_set(self):
        return self._unix_ms is not None

    def uptime_ms(self):
        """Milliseconds since boot; never wraps."""
        return self._uptime_ms + self._since_ref_ms()

    def unix_s(self):
        """Whole seconds since 1970 UTC, or None while the time is unknown."""
        if self._unix_ms is None:
            return None
        return (self._unix_ms + self._since_ref_ms()) // 1000

    def set_unix_s(self, unix_s):
        """The host's time, in whole seconds, is now."""
        self._unix_ms = unix_s * 1000 - self._since_ref_ms()
