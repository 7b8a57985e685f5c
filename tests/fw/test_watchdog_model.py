"""The virtual board's machine.WDT resets a board that stops feeding it, as a port's does
(the model the firmware's watchdog_s setting is tested against)."""

from fwtest import is_micropython, raises, skip


def test_an_unfed_watchdog_resets_the_board_a_fed_one_does_not():
    if not is_micropython():
        skip("the virtual board's clock runs on MicroPython only")
    import machine
    import vclock

    saved = vclock.clock
    vclock.clock = vclock.SimClock()
    try:
        wdt = machine.WDT(timeout=2000)
        for _ in range(10):  # fed every 1.5 s for 15 s: no reset
            vclock.clock.advance_us(1500000)
            wdt.feed()
        with raises(machine.Reset):
            vclock.clock.advance_us(2000001)
        with raises(ValueError):
            machine.WDT(timeout=0)
    finally:
        vclock.clock = saved
