"""``time`` for the virtual board: MicroPython's time API on the simulated clock.

The firmware calls ``time.ticks_ms()``, ``time.sleep_ms()`` and friends as on
any port; here they read and advance ``vclock.clock``. Ticks wrap like a
30-bit port's (``ticks_add``/``ticks_diff`` handle it), so firmware that
forgets ``ticks_diff`` fails here too. Calendar time is the host's epoch time
at boot plus simulated time.
"""

import utime as _wall
import vclock

_TICKS_PERIOD = 1 << 30
_TICKS_HALF = _TICKS_PERIOD // 2
_epoch_at_boot_s = _wall.time()


def ticks_us():
    return vclock.clock.now_us() & (_TICKS_PERIOD - 1)


def ticks_ms():
    return (vclock.clock.now_us() // 1000) & (_TICKS_PERIOD - 1)


def ticks_cpu():
    return ticks_us()


def ticks_add(ticks, delta):
    return (ticks + delta) & (_TICKS_PERIOD - 1)


def ticks_diff(a, b):
    return ((a - b + _TICKS_HALF) & (_TICKS_PERIOD - 1)) - _TICKS_HALF


def sleep_us(us):
    vclock.clock.advance_us(us)


def sleep_ms(ms):
    vclock.clock.advance_us(ms * 1000)


def sleep(seconds):
    vclock.clock.advance_us(int(seconds * 1000000))


def time():
    return _epoch_at_boot_s + vclock.clock.now_us() // 1000000


def time_ns():
    return (_epoch_at_boot_s * 1000000 + vclock.clock.now_us()) * 1000


def gmtime(secs=None):
    return _wall.gmtime(time() if secs is None else secs)


def localtime(secs=None):
    return _wall.localtime(time() if secs is None else secs)


def mktime(t):
    return _wall.mktime(t)
