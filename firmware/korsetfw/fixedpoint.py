"""Fixed-point arithmetic for the per-sample path.

MicroPython boxes every float on the heap, so the per-sample path computes in
integers. Values in [-2, 2] are held in Q28 (``ONE`` = 2**28). On a 32-bit
MCU, MicroPython's small ints hold 31 bits; anything larger becomes a heap
allocated big int. ``mul`` therefore never forms a product above 2**30: it
splits each factor at bit 14. Its result is ``(a * b) >> 28`` exactly up to
one LSB (the product of the two low halves is dropped), for |a|, |b| <= 2**28
and one of them up to 2**29.

Floats appear only when settings become constants (``q28``), outside the
per-sample path.
"""

from korsetfw import const

FRAC = const(28)
ONE = const(1 << 28)
_HALF_BITS = const(14)
_LOW_MASK = const(0x3FFF)


def mul(a, b):
    """(a * b) >> 28 with every intermediate below 2**30."""
    ah = a >> _HALF_BITS
    bh = b >> _HALF_BITS
    return ah * bh + ((ah * (b & _LOW_MASK) + (a & _LOW_MASK) * bh) >> _HALF_BITS)


def clamp(v, limit):
    """v limited to [-limit, limit]."""
    if v > limit:
        return limit
    if v < -limit:
        return -limit
    return v


def q28(x):
    """A float as Q28 (for constants, not for the per-sample path)."""
    return int(round(x * ONE))
