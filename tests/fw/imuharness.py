"""A chip model on a simulated bus with a hand-moved clock, for driver tests."""

import math

import vclock
import vi2c
from lsm6dsox_model import STANDARD_GRAVITY, LSM6DSOXModel
from vbare import Ticks  # noqa: F401 (tests import it from here)


class ConstantSource:
    """The chip at rest in one pose: fixed specific force and angular rate."""

    def __init__(self, accel=(0.0, 0.0, STANDARD_GRAVITY), gyro=(0.0, 0.0, 0.0)):
        self.values = list(accel) + list(gyro)

    def sample(self, t_s, out):
        for j in range(6):
            out[j] = self.values[j]


class RampSource:
    """Every axis a different slow ramp, so axes, signs and times are all told apart."""

    def sample(self, t_s, out):
        out[0] = 1.0 + 2.0 * t_s
        out[1] = -3.0 + 1.0 * t_s
        out[2] = 9.0 - 0.5 * t_s
        out[3] = 0.1 * t_s
        out[4] = -0.2 + 0.05 * t_s
        out[5] = 0.3 * math.sin(t_s)


def rig(source=None, address=0x6A, model_cls=LSM6DSOXModel):
    clock = vclock.ManualClock()
    bus = vi2c.I2CBus(clock, 400000)
    chip = model_cls(clock, source if source is not None else ConstantSource())
    bus.attach(address, chip)
    return clock, bus, chip


def sample_pass(clock, chip, work, locked):
    """One 10 ms pass of the main loop: the chip samples (allocating freely: it is not
    the MCU), then ``work()`` runs, with the heap locked if ``locked``."""
    clock.advance_us(10000)
    chip._update()
    if not locked:
        return work()
    import micropython

    micropython.heap_lock()
    try:
        return work()
    finally:
        micropython.heap_unlock()
