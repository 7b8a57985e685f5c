"""Offline orientation of the lower back relative to a reference, vectorised.

Offline we see the whole set at once, so instead of a causal filter (what the
board runs) the attitude is built in three passes, each a handful of numpy
operations over all samples:

1. Integrate the gyro, less its bias, into unit quaternions by a parallel
   prefix product (quaternion multiplication is associative: a few passes of
   one vectorised product each). The bias: the gyro's median over each still
   stretch of the recording, smoothed as a slowly wandering bias (one short
   stretch alone is off by breathing's turn).
2. Tilt: gravity seen through the integrated attitude should stay where it
   was at the reference; the small rotation that would put it back is the
   drift on the two horizontal axes plus the effect of linear acceleration.
   A zero-phase smoother keeps the drift (slow, and a linear trend passes
   through it unchanged) and drops the accelerations (a repetition's
   velocity starts and ends at zero, so its acceleration averages out over
   a few seconds). Like a complementary filter, but without its lag; and,
   as one that trusts the accelerometer only when it reads 1 g, weighted
   towards still moments (where there is no linear acceleration at all).
3. Heading (the axis along gravity): no sensor sees it. What is left of the
   bias there drifts slowly, while a patient doing a set returns to the
   starting position again and again; a long, robust trend of the heading
   angle is removed. Movements of a few seconds, faults among them, pass.

All rotations map the body frame at time t to the body frame at the
reference ("reference frame"), so the deviation is read straight off them.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from korset.analysis import slow
from korset.analysis.rhythm import BREATH_S

TILT_SMOOTHING_S = 2.0  # Gaussian sigma of the tilt drift estimate, weighted to still samples
MOVING_TILT_WEIGHT = 0.05  # ... moving ones count this much
# A still run's median is off by up to this (breathing's turn), less in runs longer than
# a breath (BREATH_S), whose turns cancel.
STILL_TURN_RAD_S = np.radians(0.3)
BIAS_WALK_RAD_S = np.radians(0.04)  # per sqrt(s): the bias walk allowed (2x the large simulated)
HEADING_TREND_S = 30.0  # window of the heading's robust trend
# Long recordings are taken in pieces of this length (s), each integrated from the
# attitude the one before found at their seam: an hour's gyro integrated from one
# reference drifts by the bias left after estimation (~0.02-0.05 deg/s, simulated and
# datasheet-typical) into tens of degrees or a turn over, where correcting the tilt
# afterwards is ill-posed (which way round is a half turn?). Five minutes keep the
# drift within a few degrees, which the corrections below remove exactly.
PIECE_S = 300.0
# ... and each piece reaches this far (s) past its seams on both sides, so that the
# smoothers (TILT_SMOOTHING_S, HEADING_TREND_S) see both sides of a seam.
PIECE_OVERLAP_S = 2.0 * HEADING_TREND_S


# -- quaternions (w, x, y, z), arrays of shape (..., 4) ------------------------------------

def qmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    aw, ax, ay, az = np.moveaxis(a, -1, 0)
    bw, bx, by, bz = np.moveaxis(b, -1, 0)
    return np.stack([aw * bw - ax * bx - ay * by - az * bz,
                     aw * bx + ax * bw + ay * bz - az * by,
                     aw * by - ax * bz + ay * bw + az * bx,
                     aw * bz + ax * by - ay * bx + az * bw], -1)


def qconj(q: np.ndarray) -> np.ndarray:
    return q * np.array([1.0, -1.0, -1.0, -1.0])


def from_rotvec(v: np.ndarray) -> np.ndarray:
    """Unit quaternions (n, 4) of rotation vectors (n, 3)."""
    angle = np.sqrt(np.einsum("ij,ij->i", v, v))
    half = 0.5 * angle
    with np.errstate(invalid="ignore", divide="ignore"):
        k = np.sin(half) / angle
    k[angle < 1e-12] = 0.5  # sin(a/2)/a -> 1/2 as a -> 0
    out = np.empty((len(v), 4))
    out[:, 0] = np.cos(half)
    out[:, 1:] = v * k[:, None]
    return out


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cross product of (n, 3) arrays (np.cross is several times slower)."""
    ax, ay, az = a[:, 0], a[:, 1], a[:, 2]
    bx, by, bz = b[:, 0], b[:, 1], b[:, 2]
    return np.stack([ay * bz - az * by, az * bx - ax * bz, ax * by - ay * bx], -1)


def rotate(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate vectors v (n, 3), or one vector (3,), by unit quaternions q (n, 4)."""
    v = np.broadcast_to(v, (len(q), 3))
    w, u = q[:, :1], q[:, 1:]
    t = 2.0 * _cross(u, v)
    return v + w * t + _cross(u, t)


def _mul_into(out, a, b):
    """out = a * b for quaternions stored component-first, shape (4, ...)."""
    aw, ax, ay, az = a
    bw, bx, by, bz = b
    out[0] = aw * bw - ax * bx - ay * by - az * bz
    out[1] = aw * bx + ax * bw + ay * bz - az * by
    out[2] = aw * by - ax * bz + ay * bw + az * bx
    out[3] = aw * bz + ax * by - ay * bx + az * bw


_BLOCK = 64  # samples per block of the two-level scan


def prefix_product(steps: np.ndarray) -> np.ndarray:
    """q[i] = steps[0] * steps[1] * ... * steps[i], for (n, 4) unit quaternions.

    A two-level parallel scan: a Hillis-Steele scan (log2 passes) inside blocks
    of 64 samples, the same over the blocks' totals, then one product putting
    each block after the ones before it. Component-first arrays keep every
    pass a few contiguous vector operations.
    """
    n = len(steps)
    m = -(-n // _BLOCK)
    padded = np.zeros((4, m * _BLOCK))
    padded[0] = 1.0
    padded[:, :n] = steps.T
    q = padded.reshape(4, m, _BLOCK)
    k = 1
    while k < _BLOCK:
        _mul_into(q[:, :, k:], q[:, :, :-k].copy(), q[:, :, k:].copy())
        k *= 2
    if m > 1:
        totals = np.ascontiguousarray(q[:, :, -1])
        k = 1
        while k < m:
            _mul_into(totals[:, k:], totals[:, :-k].copy(), totals[:, k:].copy())
            k *= 2
        before = totals[:, :-1, None]  # everything up to the end of the previous block
        _mul_into(q[:, 1:], np.broadcast_to(before, q[:, 1:].shape), q[:, 1:].copy())
    q = q.reshape(4, -1)[:, :n].T
    # Renormalise once: float64 rounding over these few passes stays far below 1e-12.
    return q / np.linalg.norm(q, axis=-1, keepdims=True)


# -- the three passes ---------------------------------------------------------------------

def gyro_bias(t: np.ndarray, gyro: np.ndarray, still: np.ndarray, min_run_s: float = 0.5
              ) -> np.ndarray:
    """(n, 3) bias, rad/s: the still runs' medians, smoothed as a slowly wandering bias.

    "Still" is never quite still: breathing and sway turn the lower back at up to
    half a degree per second, and a slow movement can pass for stillness, so a
    short run's median is off by about that much (a run of several breaths, by
    less: their turns cancel). Taken as the bias from one run to the next, that
    error integrates into a wobble of a degree over a few seconds, as large as a
    repetition. The bias itself wanders (a random walk; datasheets give its
    stability over minutes). So each run's median is a measurement of the bias
    with its own error, and a Kalman smoother (random walk, Rauch-Tung-Striebel)
    weighs them: long still runs (holds, rests) are followed closely, the short
    ones of a set of repetitions are averaged over tens of seconds.
    """
    edges = np.diff(still.astype(np.int8), prepend=0, append=0)
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    centres, medians, errors = [], [], []
    for a, b in zip(starts, ends, strict=True):
        length = t[b - 1] - t[a]
        if length >= min_run_s:
            centres.append(0.5 * (t[a] + t[b - 1]))
            medians.append(_median(gyro[a:b]))
            errors.append(STILL_TURN_RAD_S * min(1.0, BREATH_S / length))
    if not centres:
        return np.broadcast_to(np.median(gyro, 0), gyro.shape)
    smoothed = _random_walk_smoother(np.array(centres), np.array(medians),
                                     np.array(errors) ** 2, BIAS_WALK_RAD_S ** 2)
    return np.stack([np.interp(t, centres, smoothed[:, i]) for i in range(3)], -1)


def _median(x: np.ndarray) -> np.ndarray:
    """np.median(x, axis=0), without its per-call overhead (an hour has a thousand
    still runs)."""
    m = len(x)
    low, high = (m - 1) // 2, m // 2
    part = np.partition(x, (low, high), axis=0)
    return 0.5 * (part[low] + part[high])


def _random_walk_smoother(times: np.ndarray, z: np.ndarray, r: np.ndarray, q: float
                          ) -> np.ndarray:
    """Rauch-Tung-Striebel smoother of a random walk (variance ``q`` per second) measured
    as ``z`` (m, k) at ``times`` with variances ``r`` (m,): the state at each time."""
    m = len(times)
    x_f = np.empty_like(z)
    p_f = np.empty(m)
    p_pred = np.empty(m)
    x, p = z[0], r[0]
    for k in range(m):
        if k:
            p = p + q * (times[k] - times[k - 1])
        p_pred[k] = p
        gain = p / (p + r[k])
        x = x + gain * (z[k] - x)
        p = (1.0 - gain) * p
        x_f[k], p_f[k] = x, p
    x_s = x_f.copy()
    for k in range(m - 2, -1, -1):
        g = p_f[k] / p_pred[k + 1]
        x_s[k] = x_f[k] + g * (x_s[k + 1] - x_f[k])
    return x_s


def integrate(t: np.ndarray, gyro: np.ndarray, ref: int) -> np.ndarray:
    """Attitudes (n, 4): body at t -> body at sample ``ref``, from body rates (rad/s)."""
    dt = np.diff(t)
    mid = 0.5 * (gyro[:-1] + gyro[1:]) * dt[:, None]  # trapezoid per step
    steps = np.concatenate([[[1.0, 0.0, 0.0, 0.0]], from_rotvec(mid)])
    q = prefix_product(steps)  # body at t -> body at sample 0
    return qmul(qconj(q[ref])[None, :], q)


def correct_tilt(q: np.ndarray, accel: np.ndarray, up: np.ndarray, still: np.ndarray,
                 rate_hz: float) -> np.ndarray:
    """Remove the slow tilt drift of ``q``, using gravity (``up``: unit vector, reference
    frame). ``still``: (n,) bool, where the accelerometer sees gravity alone."""
    seen = rotate(q, accel)
    seen /= np.maximum(np.linalg.norm(seen, axis=-1, keepdims=True), 1e-9)
    # The rotation taking ``up`` to where gravity is seen: drift (+ linear accel), as a
    # rotation vector. Its angle is atan2(|up x seen|, up . seen), not |up x seen| (its
    # sine): the sine is the small-angle form, which over an hour's drift of tens of
    # degrees left a residual of angle - sin(angle) (4.5 degrees at 45) that read as a
    # fault lasting the rest of the set.
    cross = _cross(np.broadcast_to(up, seen.shape), seen)
    sine = np.linalg.norm(cross, axis=-1)
    angle = np.arctan2(sine, seen @ up)
    err = cross * (angle / np.maximum(sine, 1e-12))[:, None]
    # Where the body is still there is no linear acceleration: gravity is trusted over
    # a couple of seconds (holds, rests); where it moves, the gyro carries the attitude.
    weight = np.where(still, 1.0, MOVING_TILT_WEIGHT)[:, None]
    sums = slow.smooth(np.hstack([err * weight, weight]), rate_hz, TILT_SMOOTHING_S)
    return qmul(from_rotvec(-sums[:, :3] / sums[:, 3:]), q)


def heading_angle(q: np.ndarray, up: np.ndarray) -> np.ndarray:
    """Twist of each attitude about ``up`` (rad): the swing-twist decomposition's twist."""
    proj = q[:, 1:] @ up
    return 2.0 * np.arctan2(proj, q[:, 0])


def correct_heading(q: np.ndarray, up: np.ndarray, rate_hz: float,
                    window_s: float = HEADING_TREND_S) -> np.ndarray:
    """Remove the slow trend of the heading (a running median, then smoothed)."""
    psi = np.unwrap(heading_angle(q, up))
    coarse, step = slow.decimate(psi, rate_hz)
    size = max(3, int(window_s * rate_hz / step) | 1)
    trend = ndimage.median_filter(coarse, size=size, mode="nearest")
    trend = ndimage.uniform_filter1d(trend, max(1, size // 4), mode="nearest")
    trend = slow.expand(trend, step, len(psi))
    return qmul(from_rotvec(-trend[:, None] * up[None, :]), q)


def attitude(t: np.ndarray, gyro: np.ndarray, accel: np.ndarray, up: np.ndarray,
             still: np.ndarray, rate_hz: float, ref: int) -> np.ndarray:
    """Attitudes (n, 4), body at t -> reference frame: the three passes, over pieces of
    ``PIECE_S`` for a long recording. ``gyro`` less its bias (rad/s); ``up``: gravity at
    the reference (unit vector); ``still``: where the accelerometer sees gravity alone.

    Pieces go outwards from the reference, each anchored on its neighbour nearer
    the reference: q = A @ (piece's own integration from its seam), with A the
    neighbour's corrected attitude at the seam, and then corrected like a short
    recording. Each piece keeps the samples between its seams.
    """
    def passes(q: np.ndarray, part: slice) -> np.ndarray:
        q = correct_tilt(q, accel[part], up, still[part], rate_hz)
        return correct_heading(q, up, rate_hz)

    n = len(t)
    if t[-1] - t[0] <= PIECE_S + 2.0 * PIECE_OVERLAP_S:
        return passes(integrate(t, gyro, ref), slice(0, n))
    out = np.empty((n, 4))
    t_ref = t[ref]
    seams = np.searchsorted(t, t_ref + PIECE_S * np.arange(
        -np.ceil((t_ref - t[0]) / PIECE_S), np.ceil((t[-1] - t_ref) / PIECE_S) + 1))
    seams = np.unique(np.clip(seams, 0, n))
    home = int(np.searchsorted(seams, ref, side="right")) - 1  # the piece holding ref
    reach = int(round(PIECE_OVERLAP_S * rate_hz))

    def piece(k: int, anchor: int, neighbour: tuple[int, np.ndarray] | None
              ) -> tuple[int, np.ndarray]:
        """Piece k integrated from ``anchor``, where ``neighbour`` (its first sample and
        attitudes, overlap included) holds the attitude; keeps its own samples in out."""
        a, b = seams[k], seams[k + 1]
        lo, hi = max(0, a - reach), min(n, b + reach)
        q = integrate(t[lo:hi], gyro[lo:hi], anchor - lo)
        if neighbour is not None:
            first, attitudes = neighbour
            q = qmul(np.broadcast_to(attitudes[anchor - first], q.shape), q)
        q = passes(q, slice(lo, hi))
        out[a:b] = q[a - lo:b - lo]
        return lo, q

    home_piece = piece(home, ref, None)
    later = home_piece
    for k in range(home + 1, len(seams) - 1):  # from its first sample, in the one before
        later = piece(k, seams[k], later)
    earlier = home_piece
    for k in range(home - 1, -1, -1):  # from the next one's first sample, in its overlap
        earlier = piece(k, seams[k + 1], earlier)
    return out


def deviation_deg(q: np.ndarray) -> np.ndarray:
    """(n, 3) rotation, flexion, lateral in degrees: R = Rz(rotation) Ry(flexion) Rx(lateral).

    Read straight off the quaternion's rotation matrix elements (R[1,0], R[0,0],
    R[2,0], R[2,1], R[2,2]) without building the matrices.
    """
    w, x, y, z = q[:, 0], q[:, 1], q[:, 2], q[:, 3]
    r00 = 1 - 2 * (y * y + z * z)
    r10 = 2 * (x * y + w * z)
    r20 = 2 * (x * z - w * y)
    r21 = 2 * (y * z + w * x)
    r22 = 1 - 2 * (x * x + y * y)
    flexion = np.arcsin(np.clip(-r20, -1.0, 1.0))
    rotation = np.arctan2(r10, r00)
    lateral = np.arctan2(r21, r22)
    return np.degrees(np.stack([rotation, flexion, lateral], -1))


AXES = ("rotation", "flexion", "lateral")  # columns of deviation_deg (catalogue names)
