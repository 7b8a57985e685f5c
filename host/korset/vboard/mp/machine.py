"""``machine`` for the virtual board: the port API on simulated hardware.

Pin, PWM, I2C, ADC, reset, soft_reset, unique_id, freq, idle and lightsleep
with the signatures of MicroPython's ports. Wiring comes from ``vhw`` (set up
by vboot from the board definition): which device answers on which I2C bus,
what the battery reads. Every change of an output pin or PWM duty is logged
with the simulated time, which is how the host sees the motor and the LED.
"""

import vclock
import vhw


class Pin:
    IN = 1
    OUT = 3
    OPEN_DRAIN = 7
    PULL_UP = 1
    PULL_DOWN = 2
    IRQ_FALLING = 2
    IRQ_RISING = 1

    def __init__(self, id, mode=-1, pull=-1, *, value=None):
        self.id = id
        self._mode = self.IN
        self._pull = None
        self._value = 0
        self.init(mode, pull, value=value)

    def init(self, mode=-1, pull=-1, *, value=None):
        if mode != -1:
            self._mode = mode
        if pull != -1:
            self._pull = pull
        if value is not None:
            self.value(value)

    def value(self, x=None):
        if x is None:
            if self._mode == self.OUT:
                return self._value
            return vhw.input_level(self.id, self._pull)
        x = 1 if x else 0
        if x != self._value:
            self._value = x
            vhw.log_pin(self.id, "pin", x)
        return None

    def __call__(self, x=None):
        return self.value(x)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    def irq(self, handler=None, trigger=IRQ_FALLING | IRQ_RISING):
        vhw.pin_irqs[self.id] = (handler, trigger, self)
        return None


def _pin_id(pin):
    return pin.id if isinstance(pin, Pin) else pin


class PWM:
    def __init__(self, dest, *, freq=None, duty_u16=None, duty_ns=None, invert=False):
        self._pin = _pin_id(dest)
        self._freq = 0
        self._duty = 0
        self._invert = invert
        if freq is not None:
            self.freq(freq)
        if duty_u16 is not None:
            self.duty_u16(duty_u16)
        if duty_ns is not None:
            self.duty_ns(duty_ns)

    def freq(self, value=None):
        if value is None:
            return self._freq
        if value <= 0:
            raise ValueError("freq must be positive")
        self._freq = value
        return None

    def duty_u16(self, value=None):
        if value is None:
            return self._duty
        if not 0 <= value <= 65535:
            raise ValueError("duty_u16 must be 0-65535")
        if value != self._duty:
            self._duty = value
            effective = 65535 - value if self._invert else value
            vhw.log_pin(self._pin, "pwm", effective)
            vhw.pwm_changed(self._pin, effective)
        return None

    def duty_ns(self, value=None):
        period_ns = 1000000000 // self._freq if self._freq else 0
        if value is None:
            return self._duty * period_ns // 65535
        self.duty_u16(min(65535, value * 65535 // period_ns) if period_ns else 0)
        return None

    def deinit(self):
        self.duty_u16(0)


class I2C:
    def __init__(self, id=0, *, scl=None, sda=None, freq=400000, timeout=50000):
        bus = vhw.i2c_buses.get(id)
        if bus is None:
            raise ValueError("I2C(%r) doesn't exist on this board" % (id,))
        self._bus = bus
        bus.freq_hz = freq

    def scan(self):
        return self._bus.scan()

    def readfrom_mem_into(self, addr, memaddr, buf, *, addrsize=8):
        self._bus.readfrom_mem_into(addr, memaddr, buf)

    def readfrom_mem(self, addr, memaddr, nbytes, *, addrsize=8):
        buf = bytearray(nbytes)
        self._bus.readfrom_mem_into(addr, memaddr, buf)
        return bytes(buf)

    def writeto_mem(self, addr, memaddr, buf, *, addrsize=8):
        self._bus.writeto_mem(addr, memaddr, buf)


class SoftI2C(I2C):
    pass


class ADC:
    ATTN_11DB = 3

    def __init__(self, pin, *, atten=None):
        self._pin = _pin_id(pin)

    def read_u16(self):
        return vhw.adc_read_u16(self._pin)

    def read_uv(self):
        return self.read_u16() * 3300000 // 65535


class Reset(SystemExit):
    """machine.reset(): the launcher restarts the board process (RAM lost, flash kept)."""


RESET_EXIT_CODE = 75


def reset():
    raise Reset(RESET_EXIT_CODE)


def soft_reset():
    raise Reset(RESET_EXIT_CODE)


def unique_id():
    return vhw.unique_id


class WDT:
    """The watchdog as ESP32 and RP2 have it: ``WDT(id=0, timeout=ms)``, ``feed()``; it
    cannot be stopped. Not fed for ``timeout`` ms of simulated time, it resets the board
    (the clock checks it whenever time moves; the reset is logged on the pin log)."""

    def __init__(self, id=0, timeout=5000):
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self._timeout_us = timeout * 1000
        self._fed_us = vclock.clock.now_us()
        vclock.clock.watchdog = self

    def feed(self):
        self._fed_us = vclock.clock.now_us()

    def check(self, now_us):
        if now_us - self._fed_us > self._timeout_us:
            vhw.log_pin("WDT", "reset", 1)
            print("watchdog: not fed for %d ms: reset" % ((now_us - self._fed_us) // 1000))
            raise Reset(RESET_EXIT_CODE)


_cpu_hz = 240000000


def freq(hz=None):
    global _cpu_hz
    if hz is None:
        return _cpu_hz
    _cpu_hz = hz
    return None


def idle():
    vclock.clock.advance_us(1000)


def lightsleep(ms=None):
    vclock.clock.advance_us(1000 * (ms if ms is not None else 1000))


def disable_irq():
    return 0


def enable_irq(state=0):
    return None
