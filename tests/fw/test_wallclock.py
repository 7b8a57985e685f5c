"""The board's clock in integers (korsetfw.wallclock): exact across the 12.4-day wrap of
a 32-bit port's ticks_ms, on both runtimes."""

from korsetfw.wallclock import WallClock

_PERIOD = 1 << 30  # ticks_ms wraps here on 32-bit ports (MicroPython's time docs)


class _WrappingTicks:
    """``time``'s ticks functions as a 32-bit port has them, starting near the wrap."""

    def __init__(self, start_ms):
        self.true_ms = 0
        self._start = start_ms

    def ticks_ms(self):
        return (self._start + self.true_ms) % _PERIOD

    def ticks_diff(self, a, b):
        d = (a - b) % _PERIOD
        return d - _PERIOD if d >= _PERIOD // 2 else d

    def ticks_add(self, a, b):
        return (a + b) % _PERIOD


def test_uptime_and_unix_time_stay_exact_over_thirty_days_and_two_wraps():
    ticks = _WrappingTicks(_PERIOD - 5000)  # wraps 5 s after boot, then every 12.4 days
    clock = WallClock(ticks, boot=7)
    assert clock.unix_s() is None and not clock.is_set and clock.boot == 7
    ticks.true_ms = 1234
    set_at = 1764720000  # 2025-12-03, past 2**30: a long int on a 32-bit port
    clock.set_unix_s(set_at)
    assert clock.is_set
    step_ms = 3600 * 1000 + 7  # the main loop calls update far more often than this
    for _ in range(30 * 24):
        ticks.true_ms += step_ms
        clock.update()
        assert clock.uptime_ms() == ticks.true_ms
        assert clock.unix_s() == set_at + (ticks.true_ms - 1234) // 1000
    assert ticks.true_ms > 2 * _PERIOD


def test_setting_the_time_again_moves_it_and_uptime_is_kept():
    ticks = _WrappingTicks(0)
    clock = WallClock(ticks)
    ticks.true_ms = 10500
    clock.update()
    clock.set_unix_s(2000000000)
    ticks.true_ms += 2600
    assert clock.unix_s() == 2000000002
    clock.set_unix_s(1900000000)  # the host corrects it
    assert clock.unix_s() == 1900000000
    assert clock.uptime_ms() == 13100
