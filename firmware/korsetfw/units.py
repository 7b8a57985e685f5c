"""Physical constants and the wire's units: each defined once, for the firmware and the host.

Imports on CPython and MicroPython alike; nothing but numbers and two small
conversions.
"""

STANDARD_GRAVITY = 9.80665  # m/s^2 per g (CGPM 1901; the IMU datasheets' "g")
RAD_PER_DEG = 0.017453292519943295  # pi / 180
DEG_PER_RAD = 57.29577951308232  # 180 / pi
DECIDEG_PER_DEG = 10  # angles on the wire (LIVE, CONFIGURE, PROGRAMME) are 0.1 degree
_INT16_MIN = -32768
_INT16_MAX = 32767


def to_decideg(angle_deg):
    """An angle in degrees as the wire's int16 of 0.1 degree, rounded, saturated."""
    v = int(round(angle_deg * DECIDEG_PER_DEG))
    return _INT16_MIN if v < _INT16_MIN else _INT16_MAX if v > _INT16_MAX else v


def from_decideg(value):
    """The wire's 0.1-degree integer as degrees."""
    return value / DECIDEG_PER_DEG
