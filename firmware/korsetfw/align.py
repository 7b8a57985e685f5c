"""Mounting alignment: which sensor axis, with which sign, is each body axis.

A board states how its IMU sits when the wearable is worn as the README
describes, as a string such as ``"-Z+Y+X"``: body x (anterior) is the sensor's
-Z, body y (left) its +Y, body z (up) its +X. The same convention as x-io
Fusion's axes alignment. Only proper rotations are accepted: a mirrored
mapping cannot come from a chip on a board, it is a typing mistake.

The result is applied to raw int16 counts with integer moves only, so it costs
nothing on the per-sample path.
"""

_AXES = "XYZ"


def parse(alignment):
    """Return ``(index, sign)`` per body axis: body[i] = sign[i] * sensor[index[i]].

    Raises ValueError naming the problem.
    """
    if not isinstance(alignment, str) or len(alignment) != 6:
        raise ValueError("alignment %r: expected 6 characters like '+X+Y+Z'" % (alignment,))
    index = []
    sign = []
    for i in range(3):
        s = alignment[2 * i]
        a = alignment[2 * i + 1].upper()
        if s not in "+-" or a not in _AXES:
            raise ValueError("alignment %r: %r is not a signed axis" % (alignment, s + a))
        index.append(_AXES.index(a))
        sign.append(1 if s == "+" else -1)
    if sorted(index) != [0, 1, 2]:
        raise ValueError("alignment %r: each sensor axis must appear once" % alignment)
    if determinant(index, sign) != 1:
        raise ValueError("alignment %r: a mirror image, not a rotation (check a sign)"
                         % alignment)
    return tuple(index), tuple(sign)


def determinant(index, sign):
    """Determinant of the signed permutation matrix (+1 rotation, -1 mirror)."""
    inversions = 0
    for i in range(3):
        for j in range(i + 1, 3):
            if index[i] > index[j]:
                inversions += 1
    det = -1 if inversions % 2 else 1
    for s in sign:
        det *= s
    return det


def matrix(alignment):
    """3x3 list matrix M with body = M @ sensor (for host code and tests)."""
    index, sign = parse(alignment)
    rows = []
    for i in range(3):
        row = [0, 0, 0]
        row[index[i]] = sign[i]
        rows.append(row)
    return rows


class Aligner:
    """Rotates raw 6-axis samples (ax ay az gx gy gz) from sensor to body frame in place."""

    def __init__(self, alignment):
        index, sign = parse(alignment)
        self._i0, self._i1, self._i2 = index
        self._s0, self._s1, self._s2 = sign

    def apply(self, samples, n):
        """Rotate the first ``n`` samples of an ``array('h')`` of 6 counts each.

        -32768 negated does not fit int16, so it saturates to +32767: a clipped
        reading stays a clipped reading. Allocates nothing.
        """
        for b in range(0, 6 * n, 3):
            self._rotate(samples, b)

    def _rotate(self, v, b):
        x = v[b]
        y = v[b + 1]
        z = v[b + 2]
        i = self._i0
        a = x if i == 0 else (y if i == 1 else z)
        i = self._i1
        c = x if i == 0 else (y if i == 1 else z)
        i = self._i2
        d = x if i == 0 else (y if i == 1 else z)
        v[b] = a if self._s0 > 0 else _neg(a)
        v[b + 1] = c if self._s1 > 0 else _neg(c)
        v[b + 2] = d if self._s2 > 0 else _neg(d)


def _neg(v):
    return 32767 if v == -32768 else -v
