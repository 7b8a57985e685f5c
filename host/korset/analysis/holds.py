"""Holds: when the patient moved into a held position, and when out of it.

A hold is a plateau of the deviation away from the rest position (the
reference). Breathing rides on it (exercise 1's hold is only half a degree
to a degree of pelvic tilt, about as much as a deep breath), and a fault may
interrupt it for a second or two, so the plateaus are found on a running
median over ``median_s``: longer than a breath and twice a fault, neither
survives it, while a step passes unblurred. Its edges are then placed on a
median over one breath (the patient's own breathing period, measured on what
the slow median leaves: over a whole cycle a breath cancels exactly), at the
half-way crossing between the levels either side, and last by fitting, around
it, the movement into or out of the hold together with the breathing either
side (a breath moves the deviation as fast as a light hold's step): hold start
and end are the middles of the movements into and out of the position, as a
physiotherapist with a stopwatch would take them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from korset.analysis import slow
from korset.analysis.motion import runs
from korset.analysis.result import Hold
from korset.analysis.rhythm import BREATH_RANGE_S, BREATH_S, regularity


@dataclass(frozen=True)
class HoldParams:
    """The method's settings, each with its unit and reason."""

    level_span_s: float = 4.0  # the levels either side of an edge are read over this (s)
    # The plateaus' running median (s): a calm breath (rhythm.BREATH_S) and twice a brief
    # fault, so their ripple does not survive it, while a rest of 2 s between holds (3-4 s
    # with the movements out and in) still shows (6 s hid it).
    median_s: float = 4.0
    breath_regularity: float = 0.2  # below this, no clear breathing: a typical breath,
    #                                 BREATH_S
    # The shortest hold counted (s), unless the exercise's hold time asks for longer
    # (``analysis._min_hold_s``).
    min_hold_s: float = 3.0
    # A dip shorter than this (s) on the slow median inside a hold does not end it (a
    # wobble); relaxing and drawing in again takes longer, and the briefest rests between
    # holds (2 s, the short_rests family) show below the threshold for 2 s or more. Was 3 s,
    # which joined two holds across a short rest (and then lost both) in a set of twelve:
    # chosen on seed 1's families, checked on seed 7 (holds exact 97.4 -> 99.4 %).
    merge_gap_s: float = 1.5
    held_fraction: float = 0.4  # a hold is above this fraction of the way from the rest to
    #                             the held level: some holds are held more lightly than the
    #                             set's typical one
    # A fault's way out and back goes on beyond its crossings of the tolerance: it is
    # bridged at least bridge_pad_s (s) and at most bridge_max_s (s) beyond them, until
    # back within bridge_back of the way from the level before to the fault's peak.
    bridge_pad_s: float = 0.3
    bridge_max_s: float = 1.5
    bridge_back: float = 0.2
    fault_recovery_s: float = 1.0  # after (and before) a fault the patient finds the hold
    #                                again within this (s)
    # Breathing shifts the half-way crossing by up to about a quarter of a breath: the
    # movement's middle is looked for move_search_s (s) either side of it, every
    # move_step_s (s), as a movement move_lengths_s (s) long into or out of the hold,
    # fitted over fit_breaths breaths either side (at least fit_beyond_s (s) beyond the
    # search) on the deviation averaged down to about fit_rate_hz (Hz).
    move_search_s: float = 1.6
    move_step_s: float = 0.04
    move_lengths_s: tuple[float, ...] = (0.6, 1.0, 1.6)
    fit_breaths: float = 0.6
    fit_beyond_s: float = 0.8
    fit_rate_hz: float = 25.0
    settle_s: float = 1.0  # a hold's judged time starts this long (s) after its start and
    #                        ends this long before its end
    rest_window_s: float = 30.0  # the first rest: lower envelope over this (s), a hold (up
    #                              to 20 s) and rests
    rest_passes: int = 2  # the rest read between the holds, and the holds found again,
    #                       this often
    rest_edge_s: float = 1.5  # the rest is read this far (s) from the holds (the movements
    #                           in and out)
    level_near_s: float = 1.5  # a hold's edge is the half-way crossing between the levels
    #                            read from this far (s) either side of it out to
    #                            level_span_s (the movement in or out takes about a second)
    # Holds are clear when they stand clear_steps breathing spreads above rest and the
    # set spends at most ambiguous_share of its time between.
    clear_steps: float = 3.0
    ambiguous_share: float = 0.1


PARAMS = HoldParams()


@dataclass(frozen=True)
class Found:
    """The holds found, and whether they are clearly the holds: every one stands above
    the rest either side by ``clear_steps`` times the breathing's spread, and nothing
    left out comes near the held level."""

    holds: list[Hold]
    confident: bool


def find(t: np.ndarray, deviation_deg: np.ndarray, judged: np.ndarray, rate_hz: float,
         min_hold_s: float | None = None,
         interruptions: list[tuple[float, float]] = (),
         way: tuple[int, int] | None = None, params: HoldParams = PARAMS) -> Found:
    """Holds inside the judged time (``deviation_deg``: (n, 3) from the reference).
    ``interruptions``: (start, end) in s of movements known not to be the hold's level
    (faults), bridged before the levels are read. ``way``: (column of
    ``deviation_deg``, +1 or -1), the way the exercise's hold goes (the catalogue's
    ``catalogue_motion.HELD_WAYS``); None: learned from the set. ``min_hold_s``: the
    shortest hold (s); None: ``params.min_hold_s``.

    The rest is tracked, never assumed to stay at the reference: the holds are found
    once against the reference, then the rest is read between them (the median of
    the slow deviation over each stretch between two holds, and before the first and
    after the last, linear between their middles), taken off, and the holds found
    again against it (``rest_passes`` times): a rest that settles into the mat, or a
    belt seated again, moves the rest, not the holds."""
    if min_hold_s is None:
        min_hold_s = params.min_hold_s
    if not judged.any():
        return Found([], False)
    if len(interruptions):
        deviation_deg = _bridged(t, deviation_deg, interruptions, params)
    # A running median: the hold's steps pass, a breath or a brief fault does not.
    s = slow.median(deviation_deg, rate_hz, params.median_s)
    inside = np.flatnonzero(judged)
    i0, i1 = int(inside[0]), int(inside[-1]) + 1
    faulted = np.zeros(i1 - i0, bool)
    for start, end in interruptions:
        a, b = np.searchsorted(t, [start - params.fault_recovery_s,
                                     end + params.fault_recovery_s])
        faulted[max(0, a - i0):max(0, b - i0)] = True
    rest = np.zeros_like(s)
    if way is not None:
        # The holds go one way: before any is known, the rest is the lower envelope that
        # way (a window holds a hold and the rests either side, so some rest).
        direction = np.zeros(3)
        direction[way[0]] = float(way[1])
        rest = np.outer(_lower_envelope(s @ direction, rate_hz, params.rest_window_s),
                        direction)
    found = None
    for n in range(params.rest_passes + 1):
        found = _segments(s - rest, i0, i1, rate_hz, faulted, way, params)
        if found is None:
            # Nothing held in a set of holds: that the patient held nothing is one reading,
            # a hold too light to see another.
            return Found([], False)
        if n == params.rest_passes or not found[0]:
            break
        rest = _rest(t, s, found[0], i0, i1, params)
    segments, direction, threshold = found
    deviation_deg = deviation_deg - rest
    s = s - rest
    # For the edges: a median over one breath removes the breath (over a whole cycle
    # exactly), not the step.
    breath_s = _breath_s(deviation_deg[i0:i1] - s[i0:i1], rate_hz, params)
    fine = slow.median(deviation_deg, rate_hz, breath_s)
    holds = []
    segments = [(a + i0, b + i0) for a, b in segments]
    for k, (a, b) in enumerate(segments):
        if t[b - 1] - t[a] < min_hold_s:
            continue
        # The rest either side: the whole stretch to the neighbouring segment or the
        # judged time's edge (a hold held lightly may cross the threshold late, and the
        # rest is then further out).
        before = segments[k - 1][1] if k else i0
        after = segments[k + 1][0] if k + 1 < len(segments) else i1
        start, end = _edges(t, deviation_deg, s, fine, a, b, before, after, rate_hz,
                            breath_s, params)
        # Inside the judged time: a hold does not begin before the reference nor end
        # after the set (walking out to the rest may cross either).
        start, end = max(start, float(t[i0])), min(end, float(t[i1 - 1]))
        if end - start >= min_hold_s:
            holds.append(Hold(round(start, 3), round(end, 3), round(end - start, 3)))
    return Found(holds, bool(holds) and _clear(s[i0:i1] @ direction,
                                               deviation_deg[i0:i1] @ direction, threshold,
                                               params))


def _segments(s: np.ndarray, i0: int, i1: int, rate_hz: float, faulted: np.ndarray,
              way: tuple[int, int] | None, params: HoldParams):
    """The held stretches of the judged time (sample ranges relative to i0), the held
    direction (unit, 3) and the threshold along it; None when nothing is held.

    Which level is held follows from the exercise: along its way where the catalogue
    gives one, else away from the rest (the reference: a set begins at rest), first by
    the distance from it, then along the direction held (a rest that drifted the
    other way from the hold is as far from the reference as a light hold, yet rest)."""
    s = s[i0:i1]
    if way is None:
        # Away from the reference, a set spends most of its time held: a fault, as far
        # again for a second or two, is no level. The first guess is half the distance
        # of the set's farther half (its median), not of its farthest moments.
        dist = np.linalg.norm(s, axis=1)
        threshold = _threshold(dist, 0.5 * _farther_half(dist), params)
        if threshold is None:
            return None
        held = np.median(s[dist > threshold], axis=0)
        if not np.linalg.norm(held):
            return None
        direction = held / np.linalg.norm(held)
        d = s @ direction
        first = 0.5 * _farther_half(d)
    else:
        direction = np.zeros(3)
        direction[way[0]] = float(way[1])
        d = s @ direction
        first = float(np.mean(np.percentile(d, [5, 95])))
    threshold = _threshold(d, first, params)
    if threshold is None:
        return None
    # A fault interrupts a hold: its time, and the patient's way back into the hold,
    # does not count towards the dip that would end it.
    return _merge(runs(d > threshold), int(params.merge_gap_s * rate_hz), faulted), \
        direction, threshold


def _farther_half(x: np.ndarray) -> float:
    """The median of the larger half of ``x``."""
    return float(np.median(x[x >= np.median(x)]))


def _rest(t: np.ndarray, s: np.ndarray, segments: list[tuple[int, int]], i0: int, i1: int,
          params: HoldParams) -> np.ndarray:
    """(n, 3) the rest through the set: the median of ``s`` over each stretch between
    held segments (relative to i0), and before the first and after the last, each
    without ``rest_edge_s`` at its ends (the movements into and out of the holds), linear
    between the stretches' middles, held flat beyond."""
    edges = [0] + [x for a, b in segments for x in (a, b)] + [i1 - i0]
    pad = int(params.rest_edge_s / max(float(np.median(np.diff(t[i0:i1]))), 1e-9)) \
        if i1 - i0 > 1 else 0
    middles, levels = [], []
    for a, b in zip(edges[0::2], edges[1::2], strict=True):
        a2, b2 = a + pad, b - pad
        if b2 - a2 < 2:
            if b - a < 2:
                continue
            a2, b2 = a, b
        middles.append(i0 + (a2 + b2) // 2)
        levels.append(np.median(s[i0 + a2:i0 + b2], axis=0))
    if not middles:
        return np.zeros_like(s)
    levels = np.array(levels)
    at = np.arange(len(s))
    return np.stack([np.interp(at, middles, levels[:, c]) for c in range(s.shape[1])], -1)


def _lower_envelope(x: np.ndarray, rate_hz: float, window_s: float) -> np.ndarray:
    """The running minimum over ``window_s`` (centred, ends held), at the slow rate, then
    smoothed over as long."""
    coarse, step = slow.decimate(x, rate_hz)
    size = max(1, int(window_s * rate_hz / step))
    low = ndimage.minimum_filter1d(coarse, size, mode="nearest")
    low = ndimage.uniform_filter1d(low, size, mode="nearest")
    return slow.expand(low, step, len(x))


def _clear(d: np.ndarray, raw: np.ndarray, threshold: float, params: HoldParams) -> bool:
    """Whether the held and rest levels along the held direction are clearly apart: the
    held level (the median above the threshold) stands ``clear_steps`` breathing spreads
    (the robust spread of the raw deviation about the slow one) above the rest (the
    median below), and the slow deviation spends at most ``ambiguous_share`` of the time
    near the threshold (within a quarter of the step: a level there is neither)."""
    high = d > threshold
    if not high.any() or high.all():
        return False
    held, rest = float(np.median(d[high])), float(np.median(d[~high]))
    step = held - rest
    residual = raw - d
    spread = 1.4826 * float(np.median(np.abs(residual - np.median(residual))))
    near = np.abs(d - threshold) < 0.25 * step
    return step >= params.clear_steps * max(spread, 1e-6) and \
        float(near.mean()) <= params.ambiguous_share


def _breath_s(residual: np.ndarray, rate_hz: float, params: HoldParams) -> float:
    """The breathing period (s): the strongest repetition of what the slow median leaves,
    on its main axis; a typical breath (BREATH_S) if none is clear."""
    if len(residual) < 2 * BREATH_RANGE_S[1] * rate_hz:
        return BREATH_S
    # Breaths take seconds: block means at the slow rate keep them, for a tenth of the work.
    residual, step = slow.decimate(residual, rate_hz)
    x = residual - residual.mean(0)
    _, vectors = np.linalg.eigh(np.cov(x, rowvar=False))
    regular, period = regularity(x @ vectors[:, -1], rate_hz / step, *BREATH_RANGE_S)
    return period if period is not None and regular > params.breath_regularity \
        else BREATH_S


def _bridged(t: np.ndarray, x: np.ndarray, spans: list[tuple[float, float]],
             params: HoldParams) -> np.ndarray:
    """``x`` with each span replaced by the straight line between its ends: a fault of a
    second or two is otherwise half of a breath-long median, and moves a hold's edge by
    as much. A span is the fault's time beyond the tolerance; its way out and back goes
    on beyond, so each end is moved out (by ``bridge_pad_s`` at least, ``bridge_max_s`` at
    most) to where the deviation has come back within ``bridge_back`` of the way from the
    level
    before the fault to its peak."""
    x = x.copy()
    for start, end in spans:
        i, j = np.searchsorted(t, [start, end])
        i, j = int(min(i, len(t) - 1)), int(min(max(j, i + 1), len(t) - 1))
        peak = x[(i + j) // 2]
        a = max(0, int(np.searchsorted(t, start - params.bridge_pad_s)) - 1)
        b = min(len(t) - 1, int(np.searchsorted(t, end + params.bridge_pad_s)))
        lo = max(0, int(np.searchsorted(t, start - params.bridge_max_s)))
        hi = min(len(t) - 1, int(np.searchsorted(t, end + params.bridge_max_s)))
        for edge, limit, step in ((a, lo, -1), (b, hi, 1)):
            base = x[limit]
            way = peak - base
            size = float(np.linalg.norm(way))
            k = edge
            if size > 0:
                unit = way / size
                while k != limit and float((x[k] - base) @ unit) > params.bridge_back * size:
                    k += step
            if step < 0:
                a = k
            else:
                b = k
        if b - a < 2:
            continue
        w = ((t[a:b + 1] - t[a]) / (t[b] - t[a]))[:, None]
        x[a:b + 1] = (1 - w) * x[a] + w * x[b]
    return x


def _threshold(x: np.ndarray, first: float, params: HoldParams) -> float | None:
    """Between the two levels of ``x``, rest and held: ``held_fraction`` of the way up from
    the median below ``first`` to the median above, refined once. None: nothing held."""
    threshold = first
    for _ in range(2):
        high = x > threshold
        if not high.any():
            return None
        if high.all():
            return 0.5 * float(np.median(x))
        rest, held = float(np.median(x[~high])), float(np.median(x[high]))
        threshold = rest + params.held_fraction * (held - rest)
    return threshold


def _merge(segments: list[tuple[int, int]], gap: int, faulted: np.ndarray
           ) -> list[tuple[int, int]]:
    """Segments joined across dips of at most ``gap`` samples, not counting ``faulted``
    ones."""
    out: list[list[int]] = []
    for a, b in segments:
        if out and a - out[-1][1] - int(faulted[out[-1][1]:a].sum()) <= gap:
            out[-1][1] = b
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def _edges(t: np.ndarray, dev: np.ndarray, s: np.ndarray, fine: np.ndarray, a: int, b: int,
           before: int, after: int, rate_hz: float, breath_s: float, params: HoldParams
           ) -> tuple[float, float]:
    """Hold start and end: the middles of the movements into and out of the position.

    Found in three steps along the hold's direction, each finer: walking out from
    the hold's middle on the breath-long average to half-way between its level and
    the rest either side (the lower tenth of the stretch to the neighbouring hold,
    ``before``..``a`` and ``b``..``after``); the half-way crossing on a one-breath
    median around it; and there, within ``move_search_s``, the middle of the movement
    itself (``_movement``: fitted with the breathing either side, which shifts the
    crossing but not the movement).
    """
    held = np.median(s[a:b], axis=0)
    norm = np.linalg.norm(held)
    if norm == 0:
        return float(t[a]), float(t[b - 1])
    direction = held / norm
    # All that follows is near this hold: its stretch, and ``level_span_s`` beyond (an
    # hour's recording is not projected again for each of its holds).
    lo = max(0, before - int(params.level_span_s * rate_hz) - 1)
    hi = min(len(t), after + int(params.level_span_s * rate_hz) + 1)
    t, p, q, along = (t[lo:hi], s[lo:hi] @ direction, fine[lo:hi] @ direction,
                      dev[lo:hi] @ direction)
    a, b, before, after = a - lo, b - lo, before - lo, after - lo
    rest_before = float(np.percentile(p[before:a], 10)) if a > before else 0.0
    rest_after = float(np.percentile(p[b:after], 10)) if after > b else 0.0
    level = float(np.median(p[a:b]))
    # Walked out from the hold's highest point: its middle may be a dip (a fault's time,
    # bridged, is not a dip that ends a hold), and walking from below the level found no
    # edge of this hold.
    middle = a + int(np.argmax(p[a:b]))
    rough = (_crossing(t, p, middle, 0.5 * (rest_before + level), -1),
             _crossing(t, p, middle, 0.5 * (rest_after + level), +1))
    crossings = (_refine(t, q, rough[0], rate_hz, -1, params),
                 _refine(t, q, rough[1], rate_hz, +1, params))
    return (_movement(t, along, crossings[0], +1, breath_s, rate_hz, before, b, params),
            _movement(t, along, crossings[1], -1, breath_s, rate_hz, a, after, params))


def _movement(t: np.ndarray, x: np.ndarray, near_s: float, way: int, breath_s: float,
              rate_hz: float, first: int, last: int, params: HoldParams) -> float:
    """The middle of the movement into (``way`` +1) or out of (-1) the hold near
    ``near_s``: the best least-squares fit, over samples ``first``..``last`` within
    ``fit_breaths`` breaths of it, of a level, a smooth step the right way (half a cosine,
    ``move_lengths_s`` long, its middle within ``move_search_s``) and breathing at the
    patient's
    period with its own amplitude and phase either side of the step (calmer while
    held). ``near_s`` when no step fits the right way."""
    half = max(params.fit_breaths * breath_s, params.move_search_s + params.fit_beyond_s)
    lo, hi = np.searchsorted(t, [near_s - half, near_s + half])
    lo, hi = max(int(lo), first), min(int(hi), last)
    step = max(1, int(round(rate_hz / params.fit_rate_hz)))
    n = (hi - lo) // step
    if n < 10:
        return near_s
    tt = t[lo:lo + n * step].reshape(n, step).mean(1) - near_s
    y = x[lo:lo + n * step].reshape(n, step).mean(1)
    middles = np.arange(-params.move_search_s, params.move_search_s + 1e-9,
                        params.move_step_s)
    lengths = np.array(params.move_lengths_s)
    # Every candidate (middle, length) at once: (k, n) steps, then (k, n, 6) regressors.
    mid, length = (g.ravel() for g in np.meshgrid(middles, lengths))
    phase = np.clip((tt[None, :] - mid[:, None]) / length[:, None] + 0.5, 0.0, 1.0)
    stepped = 0.5 - 0.5 * np.cos(np.pi * phase)
    w = 2 * np.pi / breath_s
    sin, cos = np.sin(w * tt)[None, :], np.cos(w * tt)[None, :]
    regressors = np.stack([np.ones_like(stepped), stepped, sin * stepped, cos * stepped,
                           sin * (1 - stepped), cos * (1 - stepped)], -1)
    transposed = regressors.transpose(0, 2, 1)
    gram = transposed @ regressors
    moment = transposed @ y
    gram += 1e-9 * np.eye(6)  # a step entirely outside the window is a zero column
    coef = np.linalg.solve(gram, moment[..., None])[..., 0]
    residual = float(y @ y) - (coef * moment).sum(1)
    residual[way * coef[:, 1] <= 0] = np.inf
    k = int(np.argmin(residual))
    return float(near_s + mid[k]) if np.isfinite(residual[k]) else near_s


def _refine(t: np.ndarray, q: np.ndarray, edge_s: float, rate_hz: float, outward: int,
            params: HoldParams) -> float:
    """The half-way crossing of ``q`` nearest ``edge_s``, between the levels
    ``level_near_s`` to ``level_span_s`` either side (``outward``: the side of rest, -1
    before the hold, +1 after)."""
    e = int(np.searchsorted(t, edge_s))
    near, far = int(params.level_near_s * rate_hz), int(params.level_span_s * rate_hz)
    if outward < 0:
        rest, hold = q[max(0, e - far):max(0, e - near)], q[e + near:e + far]
    else:
        rest, hold = q[e + near:e + far], q[max(0, e - far):max(0, e - near)]
    if not len(rest) or not len(hold):
        return edge_s
    level = 0.5 * (float(np.median(rest)) + float(np.median(hold)))
    lo, hi = max(0, e - near), min(len(q) - 1, e + near)
    crossings = np.flatnonzero(np.diff(np.sign(q[lo:hi + 1] - level)) != 0) + lo
    if not len(crossings):
        return edge_s
    k = int(crossings[np.argmin(np.abs(crossings - e))])
    frac = (level - q[k]) / (q[k + 1] - q[k]) if q[k + 1] != q[k] else 0.0
    return float(t[k] + frac * (t[k + 1] - t[k]))


def _crossing(t: np.ndarray, p: np.ndarray, i: int, level: float, direction: int) -> float:
    """Where ``p`` first falls to ``level``, walking from sample i (inside the hold, above
    it) in ``direction``; linearly interpolated between samples."""
    n = len(p)
    ahead = p[i + 1:] if direction > 0 else p[:i][::-1]  # the samples after i, walking
    below = np.flatnonzero(ahead <= level)
    steps = int(below[0]) if len(below) else len(ahead)  # samples above level before it
    j = i + direction * steps
    k = j + direction
    if not 0 <= k < n:
        return float(t[j])
    frac = (level - p[j]) / (p[k] - p[j]) if p[k] != p[j] else 0.0
    return float(t[j] + frac * (t[k] - t[j]))
