"""What the chip models share: saturation to int16 and the units of their input."""

STANDARD_GRAVITY = 9.80665  # m/s^2 per g
DEG_PER_RAD = 57.29577951308232
NO_CHUNK = -(1 << 30)  # "no samples synthesised yet"


def sat16(v):
    """Clip to the int16 range, as the chip's output registers do at full scale."""
    if v > 32767:
        return 32767
    if v < -32768:
        return -32768
    return v
