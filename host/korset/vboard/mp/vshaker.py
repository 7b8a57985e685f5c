"""The vibration motor shaking the IMU on the virtual board.

An ERM motor next to the IMU adds an acceleration at its spin frequency
(150-220 Hz for a 10 mm ERM; 180 Hz here) of about 0.5-1.5 g on a small
board; the chip's digital low-pass near ODR/2 leaves an aliased residue,
modelled as 300 mg at full drive. It spins up and down with a 40 ms time
constant. Chip models add ``next()`` (milli-g per axis) to their accelerometer
samples; the machine.PWM shim sets ``drive`` from the motor pin's duty.
Integer-only, so that chip models stay allocation-free.
"""

_TABLE = (0, 98, 195, 290, 383, 471, 556, 634, 707, 773, 831, 882, 924, 957, 981, 995, 1000,
          995, 981, 957, 924, 882, 831, 773, 707, 634, 556, 471, 383, 290, 195, 98, 0, -98,
          -195, -290, -383, -471, -556, -634, -707, -773, -831, -882, -924, -957, -981, -995,
          -1000, -995, -981, -957, -924, -882, -831, -773, -707, -634, -556, -471, -383, -290,
          -195, -98)  # 1000 sin(2 pi k / 64)
MOTOR_HZ = 180
AMPLITUDE_MG = 300
DIRECTION = (800, 550, 240)  # per mille of the amplitude on the chip's x, y, z
SPIN_TAU_US = 40000


class Shaker:
    def __init__(self):
        self.drive = 0  # 0-1000: the motor's PWM duty, per mille
        self._env = 0  # 0-1000 << 8: speed of the motor
        self._phase = 0  # << 8, of 64 table steps
        self.mg = [0, 0, 0]

    def next(self, period_us):
        """Advance one sample period; return the milli-g to add on x, y, z."""
        # First-order spin-up/down over one period.
        target = self.drive << 8
        self._env += (target - self._env) * period_us // (SPIN_TAU_US + period_us)
        self._phase = (self._phase + 64 * 256 * MOTOR_HZ * period_us // 1000000) % (64 << 8)
        env = self._env >> 8
        s = _TABLE[self._phase >> 8]
        mg = self.mg
        for j in range(3):
            mg[j] = AMPLITUDE_MG * env * s * DIRECTION[j] // 1000000000
        return mg
