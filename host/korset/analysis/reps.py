"""Repetitions: each one a movement out of the rest position and back.

A well-done repetition moves the lower back by a degree or two (rocking back on
all fours mostly moves the pelvis, by centimetres), so the count adapts to the
set itself: sizes are measured against this set's own repetitions, the tempo
from its own rhythm. docs/analysis.md has the steps in order.

Exercises (catalogue and custom), in ``_exercise``:

1. Channels: the three deviation angles (the reference is the rest position,
   so their size is the excursion; alternating sides flip signs, not sizes)
   and the displacement along the body axes (acceleration integrated twice).
2. Each channel scored by how regularly and how far it moves (an angle that
   moves one way, breathing the other between repetitions, by that way); the
   good ones combined, each scaled to its typical repetition, faults clipped.
3. A first count on that; a channel that moves the same way in every
   repetition then keeps its sign and the count is made again (its breaths the
   other way are no bumps); then a matched filter learnt from it (the median
   repetition of every channel), kept where it separates more clearly.
   The matched count is not taken when it runs at half the first count's rhythm.
4. Mended: short twitches dropped, gaps in the rhythm with a clear bump, a
   repetition of the first count or a fault in them filled, fidgets after the
   set dropped (only in a recording whose set end is not marked).

The generic ``reps`` kind (``_generic``): any repeated movement. Walking bouts
count their steps; elsewhere each cycle of the movement's main direction (the
first principal component of angles and acceleration) is a repetition.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from korset.analysis.rhythm import regularity
from korsetfw import catalogue as cat

PERIOD_RANGE_S = (1.5, 12.0)  # of an exercise's repetitions
GENERIC_PERIOD_RANGE_S = (0.35, 12.0)  # steps are quick
MIN_SIZE_FRACTION = 0.25  # of the typical repetition's size
MIN_PROMINENCE_FRACTION = 0.25  # rises at least this much (of the typical size) above its dips
MIN_SPACING_FRACTION = 0.55  # of the period
MATCHED_SIZE_FRACTION = 0.25  # the same, for the matched filter's output (cleaner)
MATCHED_PROMINENCE_FRACTION = 0.3
COMBINE_FRACTION = 0.4  # channels scoring this much of the best one are combined
REGULARITY_CLIP_PCT = 80  # excursions clipped at this percentile to judge regularity
FAULT_CLIP = 1.5  # excursions clipped at this many typical repetitions
MIN_REPS_FOR_TEMPLATE = 4
GAP_INTERVALS = 1.6  # a gap this many intervals long may hide a repetition ...
GAP_MARGIN = 0.6  # ... looked for this many intervals away from its neighbours ...
GAP_SIZE = 0.35  # ... as a bump this high (of a typical repetition, above rest) ...
GAP_PROMINENCE = 0.15  # ... rising this much over the gap's ends
EVIDENCE_GAP_INTERVALS = 1.3  # a fault, or a repetition of the first count, is stronger
EVIDENCE_GAP_MARGIN = 0.4  # evidence: a shorter gap will do, and nearer its neighbours
STRONG_FRACTION = 0.7  # of the typical repetition: clear in the first count
TRAILING_GAP = 1.2  # a last movement this many intervals after the one before ...
TRAILING_LIKENESS = 0.4  # ... and less like a repetition than this is not one
MAX_TRAILING = 2  # fidgets after a set: one or two
TRAILING_WIDTH = 0.65  # a last movement this much shorter than a repetition is a twitch
HALVED_RATIO = 1.6  # the matched count's interval this many times the first count's
MIN_REPS = 3  # fewer similar movements are no rhythm to count by
GAIT_PAD_S = 1.0  # walking detected is widened by this much for counting steps
MIN_BOUT_S = 4.0  # stretches between walks shorter than this hold no repetitions
STEP_BAND_HZ = (0.5, 4.0)
STEP_SPACING_FRACTION = 0.6  # of the step period: closer jolts belong to one step
STEP_PERIOD_S = (0.3, 1.0)  # a walk's cadence, slow (60 steps a minute) to brisk
MIN_WALK_S = 3.0
WALK_MAX_HEAVE_M = 0.2  # a walk lifts the pelvis by a few cm each step; a squat by 30
WALK_HEAVE_WINDOW_S = 2.0
STEP_REGULARITY = 0.25  # the jolts repeat at least this clearly at a walk's cadence
STEP_SIZE_FRACTION = 0.3  # of the typical step's jolt
SAME_WAY_FRACTION = 0.8  # |mean sign| of an angle at the repetitions: it moves one way
SIDE_BALANCE = 0.5  # sides alternate: the smaller side's swing from rest, of the larger's
ONE_WAY_SCORE_RATIO = 1.5  # an angle's larger side scores this much better than its size
MIN_WIDTH_FRACTION = 0.45  # of the typical repetition's length
ACCEL_DEG_PER_MS2 = 10.0  # weight of linear acceleration against angles (generic kind)
DISPLACEMENT_BAND_HZ = (0.15, 2.0)
DEG_PER_M = 20.0  # weight of displacement against angles: 5 cm counts like a degree
CYCLES_HZ = 20.0  # the generic kind's cycles are counted at about this rate
SKEW_ONE_SIDED = 0.5  # |skewness| of the movement above this: repetitions go one way
SIDED_RATIO = (1.7, 2.3)  # an angle repeating this many times slower than another ...
SIDED_REST_PERIODS = 8.0  # ... is measured from its running median over this many periods


def count(t: np.ndarray, deviation_deg: np.ndarray, accel: np.ndarray, gravity: np.ndarray,
          gait: np.ndarray, judged: np.ndarray, rate_hz: float, exercise: cat.Exercise,
          fault_times_s: list[float] = (), end_marked: bool = False) -> list[float]:
    """Times (s) of the repetitions' peaks inside the judged time. ``fault_times_s``: the
    middles of the faults found (a fault happens in a repetition). ``end_marked``: the
    judged time ends where the patient ended the set (a session's end), so nothing in
    it is fidgeting after the set."""
    inside = np.flatnonzero(judged)
    if len(inside) < rate_hz * 2:
        return []
    i0, i1 = int(inside[0]), int(inside[-1]) + 1
    if exercise.key == cat.REPS:
        return _generic(t[i0:i1], deviation_deg[i0:i1], accel[i0:i1], gravity[i0:i1],
                        gait[i0:i1], rate_hz)
    disp = displacement(accel[i0:i1] - gravity[i0:i1], rate_hz)
    return _exercise(t[i0:i1], deviation_deg[i0:i1], disp, rate_hz, exercise.sides,
                     fault_times_s, end_marked)


def displacement(linear: np.ndarray, rate_hz: float,
                 band_hz: tuple[float, float] = DISPLACEMENT_BAND_HZ) -> np.ndarray:
    """(n, k) displacement (m) in the band, from (n, k) linear acceleration (m/s^2: accel
    less gravity, along k directions).

    Integrated twice in the frequency domain (divide by -(2 pi f)^2), zero phase;
    the band (fourth-order Butterworth magnitudes at both edges, so no ringing)
    keeps it from wandering: what is left is movement over seconds. Below the
    band, a degree of tilt error would pass for metres.
    """
    lin = linear - linear.mean(0)
    n = len(lin)
    size = 1 << int(np.ceil(np.log2(max(n, 2) * 1.25)))
    f = np.fft.rfftfreq(size, 1.0 / rate_hz)
    lo, hi = band_hz
    with np.errstate(divide="ignore", invalid="ignore"):
        high_pass = (f / lo) ** 4 / (1 + (f / lo) ** 4)
        gain = np.where(f > 0, -high_pass / (1 + (f / hi) ** 4) / (2 * np.pi * f) ** 2, 0.0)
    spec = np.fft.rfft(lin, size, axis=0) * gain[:, None]
    return np.fft.irfft(spec, size, axis=0)[:n]


def _excursions(x: np.ndarray, rate_hz: float, sides: str) -> np.ndarray:
    """Movement away from rest, >= 0: one-sided channels against their lower envelope,
    channels whose repetitions alternate in sign (sides) by their size."""
    x = x - np.median(x)
    skew = float(np.mean(x ** 3) / max(np.mean(x ** 2), 1e-18) ** 1.5)
    if sides == cat.ALTERNATE and abs(skew) < SKEW_ONE_SIDED:
        return np.abs(x)
    x = x if skew >= 0 else -x
    _, period = regularity(x, rate_hz, *PERIOD_RANGE_S)
    window = int(1.2 * (period or 4.0) * rate_hz)
    rest = ndimage.minimum_filter1d(x, max(1, window), mode="nearest")
    rest = ndimage.uniform_filter1d(rest, max(1, window), mode="nearest")
    return x - rest


def _typical_peak(e: np.ndarray, period: float, rate_hz: float) -> float:
    """The size of this channel's typical repetition: the median of its largest peaks,
    as many as the set has periods (faults are a minority of them)."""
    from scipy import signal  # here: importing it takes half a second

    spacing = max(1, int(MIN_SPACING_FRACTION * period * rate_hz))
    peaks, _ = signal.find_peaks(e, distance=spacing)
    if not len(peaks):
        return float(e.max())
    n = max(1, int(len(e) / (period * rate_hz)))
    return float(np.median(np.sort(e[peaks])[-n:]))


def _exercise(t: np.ndarray, dev: np.ndarray, disp: np.ndarray, rate_hz: float,
              sides: str, fault_times_s: list[float] = (), end_marked: bool = False
              ) -> list[float]:
    channels = np.column_stack([dev, disp * DEG_PER_M])
    scored = []
    for c in range(channels.shape[1]):
        # Angles are measured from the reference, which is the rest position: the
        # excursion is their size, whichever way a rep, a wobble or a side goes.
        # Displacements come out of a band-pass, so their rest must be found.
        e = np.abs(channels[:, c]) if c < 3 else _excursions(channels[:, c], rate_hz, sides)
        channel = _scored(e, c, rate_hz)
        if channel and c < 3:
            channel = _one_way_angle(channels[:, c], channel, rate_hz)
        if channel:
            scored.append(channel)
    if not scored:
        return []
    # Every channel that shows the repetitions nearly as well as the best one takes part,
    # each scaled to its typical repetition: a near-cancelled repetition on one axis is
    # still there on the others.
    chosen = _best(scored)
    # An angle repeating every two repetitions of another chosen channel is one whose
    # sides alternate around a rest away from the reference (the reference was taken
    # mid-breath, or drift is left): one side reaches far, the other barely. Measured
    # from its own running median instead, both sides are repetitions.
    shortest = min(s[1] for s in chosen)
    chosen_channels = {s[3] for s in chosen}
    for k, (_, period, _, c, _) in enumerate(scored):
        if c < 3 and c in chosen_channels and \
                SIDED_RATIO[0] <= period / shortest <= SIDED_RATIO[1]:
            x = channels[:, c]
            size = max(3, int(SIDED_REST_PERIODS * shortest * rate_hz) | 1)
            scored[k] = _scored(np.abs(x - ndimage.median_filter(x, size, mode="nearest")),
                                c, rate_hz) or scored[k]
    chosen = _best(scored)
    # The period at which the chosen channels repeat together (one alone may repeat
    # every two repetitions, or miss some).
    weights = {s[3]: s[0] for s in chosen}
    period = _common_period({s[3]: s[2] for s in chosen}, weights, rate_hz) or \
        float(np.median([s[1] for s in chosen]))
    excursion, activity, rough, rough_margin = _first_count(
        t, {s[3]: s[2] for s in chosen}, weights, period, rate_hz)
    # A channel that moves the same way in (nearly) every repetition is taken with its
    # sign from now on (a twitch or a breath the other way is not a repetition); the
    # others (sides alternating) by their size. Faults are clipped to a large repetition.
    # Judged on the larger half of the first count: its smaller peaks may be breaths.
    at = np.searchsorted(t, rough)
    if len(at) >= 2 * MIN_REPS:
        at = at[activity[at] >= np.median(activity[at])]
    excursions = []
    signed = False
    for _, _, e, c, typical in scored:
        if len(at):
            x = channels[:, c]
            x = x - (0.0 if c < 3 else np.median(x))
            signs = np.sign(x[at])
            if abs(signs.mean()) >= SAME_WAY_FRACTION:
                e = np.clip(x * np.sign(signs.mean()) / typical, -FAULT_CLIP, FAULT_CLIP)
                signed |= c in weights
        excursions.append(e)
    if signed:
        # Counted again with those signs, at the period they repeat at: a size alone
        # turns each breath the other way into a bump, which can split a repetition
        # or pass for one.
        one_way = {s[3]: np.maximum(e, 0.0) for s, e in zip(scored, excursions, strict=True)}
        one_way_period = _common_period(one_way, weights, rate_hz) or period
        if sides == cat.ALTERNATE and one_way_period >= HALVED_RATIO * period and \
                _balanced(channels, [c for c in weights if c < 3], rate_hz):
            # Signed, a sided exercise repeats at half its rhythm, and its angles swing
            # about as far either way from their rest: one side is larger than the other
            # (its peaks are the larger half of the count), the other is no breath.
            # Its sizes stand.
            excursions = [s[2] for s in scored]
        else:
            period = one_way_period
            excursion, activity, rough, rough_margin = _first_count(t, one_way, weights, period,
                                                                    rate_hz)
    matched = _matched(t, np.column_stack(excursions), rough, period, rate_hz)
    found = rough
    if matched is not None:
        # The matched filter usually separates repetitions from the rest more clearly;
        # where it does not (a template spoilt by faults), the first count stands.
        refined, margin = _peaks_and_margin(t, matched, period, rate_hz, floor=0.0,
                                            size=MATCHED_SIZE_FRACTION,
                                            prominence=MATCHED_PROMINENCE_FRACTION)
        # It refines the count, it does not change its rhythm: a template that learnt
        # one side of a sided exercise matches every other repetition, clearly.
        halved = len(rough) >= 2 * MIN_REPS and len(refined) >= 2 and \
            np.median(np.diff(refined)) >= HALVED_RATIO * np.median(np.diff(rough))
        if margin >= rough_margin and not halved:
            # A repetition the template misses (a fault changed its shape) but that
            # stands out clearly in the first count is kept too.
            strong, _ = _peaks_and_margin(t, activity, period, rate_hz, size=STRONG_FRACTION,
                                          prominence=STRONG_FRACTION)
            found = _lasting(t, excursion, _union(strong, refined, 0.5 * period), period,
                             rate_hz)
            # A repetition of the first count that the template passes over (shaped
            # unlike it) is kept where the matched count leaves a gap for it.
            found = _in_gaps(found, rough)
        if not end_marked:
            found = _without_trailing_twitches(t, np.column_stack(excursions), excursion,
                                               found, period, rate_hz)
    found = _in_rhythm(t, activity, found, rate_hz)
    # A fault happens in a repetition: one found in a gap of the count (a fault on one
    # axis can take the place of the movement the count follows on another) marks a
    # repetition there.
    found = _in_gaps(found, fault_times_s)
    return found if len(found) >= MIN_REPS else []


def _side_sizes(x: np.ndarray, c: int, rate_hz: float) -> tuple[float, float] | None:
    """The typical repetition's size (``_scored``) of an angle's two sides, up and down
    from its rest (its median); None when a side does not repeat."""
    rest = float(np.median(x))
    sides = [_scored(np.maximum(way * (x - rest), 0.0), c, rate_hz) for way in (1.0, -1.0)]
    return (sides[0][4], sides[1][4]) if all(sides) else None


def _one_way_angle(x: np.ndarray, by_size: tuple, rate_hz: float) -> tuple:
    """An angle scored by its larger side, when that is what repeats: its size repeating
    at half that side's rhythm, and its other side (from its rest) less than half as
    large, means breaths or rebounds the other way between repetitions, not sides.
    ``by_size``: the angle scored by its size (``_scored``)."""
    sizes = _side_sizes(x, by_size[3], rate_hz)
    if sizes is None or min(sizes) >= SIDE_BALANCE * max(sizes):
        return by_size
    larger = 1.0 if sizes[0] >= sizes[1] else -1.0
    one_way = _scored(np.maximum(larger * x, 0.0), by_size[3], rate_hz)
    if one_way and one_way[1] >= HALVED_RATIO * by_size[1] and \
            one_way[0] >= ONE_WAY_SCORE_RATIO * by_size[0]:
        return one_way
    return by_size


def _balanced(channels: np.ndarray, angles: list[int], rate_hz: float) -> bool:
    """Whether each of these angle channels swings about as far either way from its rest:
    the smaller side's typical size at least SIDE_BALANCE of the larger's."""
    for c in angles:
        sizes = _side_sizes(channels[:, c], c, rate_hz)
        if sizes is None or min(sizes) < SIDE_BALANCE * max(sizes):
            return False
    return True


def _scored(e: np.ndarray, c: int, rate_hz: float) -> tuple | None:
    """A channel's excursion judged: (score, period, excursion in typical repetitions,
    channel, typical size), or None when it does not repeat."""
    # Regularity of the clipped excursions: faults (up to a third of the reps, several
    # times their size) must not decide it.
    regular, period = regularity(np.minimum(e, np.percentile(e, REGULARITY_CLIP_PCT)),
                                  rate_hz, *PERIOD_RANGE_S)
    if period is None:
        return None
    typical = _typical_peak(ndimage.uniform_filter1d(
        e, max(1, int(0.25 * period * rate_hz)), mode="nearest"), period, rate_hz)
    if typical <= 0:
        return None
    # Regular and large: a channel moving less than a repetition does is noise however
    # regular (breathing). A fault counts as a large repetition.
    return regular * typical, period, np.minimum(e / typical, FAULT_CLIP), c, typical


def _best(scored: list[tuple]) -> list[tuple]:
    """The channels scoring at least COMBINE_FRACTION of the best one."""
    best = max(s[0] for s in scored)
    return [s for s in scored if s[0] >= COMBINE_FRACTION * best]


def _combined(excursions: dict[int, np.ndarray], weights: dict[int, float]) -> np.ndarray:
    """The channels' excursions averaged with their weights (their scores)."""
    return sum(w * excursions[c] for c, w in weights.items()) / sum(weights.values())


def _common_period(excursions: dict[int, np.ndarray], weights: dict[int, float],
                   rate_hz: float) -> float | None:
    """The period (s) at which the weighted excursions repeat together, or None."""
    combined = _combined(excursions, weights)
    return regularity(np.minimum(combined, np.percentile(combined, REGULARITY_CLIP_PCT)),
                       rate_hz, *PERIOD_RANGE_S)[1]


def _first_count(t: np.ndarray, excursions: dict[int, np.ndarray], weights: dict[int, float],
                 period: float, rate_hz: float
                 ) -> tuple[np.ndarray, np.ndarray, list[float], float]:
    """The weighted excursion of the chosen channels, its smoothed activity, the repetitions
    counted on it and how clearly they stand out."""
    excursion = _combined(excursions, weights)
    activity = ndimage.uniform_filter1d(excursion, max(1, int(0.25 * period * rate_hz)),
                                        mode="nearest")
    rough, margin = _peaks_and_margin(t, activity, period, rate_hz)
    return excursion, activity, _lasting(t, excursion, rough, period, rate_hz), margin


def _in_gaps(found: list[float], evidence_s: list[float]) -> list[float]:
    """``found`` with each time of ``evidence_s`` that falls in a gap of its rhythm (about
    two intervals, not next to a counted repetition) added: a repetition there. Inside
    or next to a counted one it adds nothing."""
    if len(found) < MIN_REPS + 1:
        return found
    interval = float(np.median(np.diff(found)))
    out = list(found)
    for f in evidence_s:
        before = [x for x in out if x <= f]
        after = [x for x in out if x > f]
        if not before or not after:
            continue  # before the first or after the last: no gap to judge it by
        if after[0] - before[-1] >= EVIDENCE_GAP_INTERVALS * interval and \
                min(f - before[-1], after[0] - f) >= EVIDENCE_GAP_MARGIN * interval:
            out = sorted(out + [f])
    return out


def _in_rhythm(t: np.ndarray, activity: np.ndarray, found: list[float], rate_hz: float
               ) -> list[float]:
    """Mend the count against the set's own rhythm: a gap of about two intervals with a
    clear bump of movement in its middle held a repetition the count passed over
    (smaller than the rest, or merged into a neighbour)."""
    if len(found) < MIN_REPS + 1:
        return found
    interval = float(np.median(np.diff(found)))
    at = np.searchsorted(t, found)
    typical = float(np.median(activity[at]))
    floor = float(np.percentile(activity, 10))
    out = [found[0]]
    for nxt in found[1:]:
        gap = nxt - out[-1]
        if gap >= GAP_INTERVALS * interval:
            lo = int(np.searchsorted(t, out[-1] + GAP_MARGIN * interval))
            hi = int(np.searchsorted(t, nxt - GAP_MARGIN * interval))
            if hi > lo:
                k = lo + int(np.argmax(activity[lo:hi]))
                edge = min(activity[lo], activity[hi - 1])
                if lo < k < hi - 1 and activity[k] - floor >= GAP_SIZE * (typical - floor) \
                        and activity[k] - edge >= GAP_PROMINENCE * (typical - floor):
                    out.append(float(t[k]))
        out.append(nxt)
    return out


def _union(a: list[float], b: list[float], within_s: float) -> list[float]:
    """Times in either list; one with a partner within ``within_s`` in the other counts
    once (at the second list's time)."""
    out = list(b)
    for x in a:
        if not b or min(abs(x - y) for y in b) > within_s:
            out.append(x)
    return sorted(out)


def _widths(t: np.ndarray, excursion: np.ndarray, found: list[float], period: float,
            rate_hz: float) -> np.ndarray:
    """How long each movement lasts (s): the width at half height of the barely smoothed
    excursion around it (the counting signal is smoothed too much for it)."""
    from scipy import signal  # here: importing it takes half a second

    x = ndimage.uniform_filter1d(excursion, max(1, int(0.3 * rate_hz)), mode="nearest")
    peaks, _ = signal.find_peaks(x)
    if not len(peaks):
        return np.full(len(found), np.inf)
    all_widths = signal.peak_widths(x, peaks, rel_height=0.5)[0] / rate_hz
    reach = int(0.25 * period * rate_hz)
    widths = np.full(len(found), np.inf)  # no peak of its own nearby: no evidence, kept
    for n, i in enumerate(np.searchsorted(t, found)):
        near = np.flatnonzero(np.abs(peaks - i) <= reach)
        if len(near):
            widths[n] = all_widths[near[np.argmax(x[peaks[near]])]]
    return widths


def _lasting(t: np.ndarray, excursion: np.ndarray, found: list[float], period: float,
             rate_hz: float) -> list[float]:
    """Drop the twitches: settling in and fidgeting move as far as a small repetition but
    for a fraction of its time."""
    if len(found) < MIN_REPS:
        return found
    widths = _widths(t, excursion, found, period, rate_hz)
    typical = float(np.median(widths[np.isfinite(widths)])) if np.isfinite(widths).any() \
        else 0.0
    return [f for f, w in zip(found, widths, strict=True) if w >= MIN_WIDTH_FRACTION * typical]


def _template(excursions: np.ndarray, centres: list[int], half: int) -> np.ndarray:
    """The typical repetition: the median of every channel around the counted ones (robust
    to the faults among them), less its mean."""
    template = np.median(np.stack([excursions[i - half:i + half] for i in centres]), axis=0)
    return template - template.mean(0)


def _likeness(excursions: np.ndarray, template: np.ndarray, centre: int) -> float:
    """Correlation of the movement around ``centre`` with the typical repetition, all
    channels together: 1 for the same shape, ~0 for a twitch in another direction."""
    half = len(template) // 2
    if centre < half or centre + half > len(excursions):
        return 1.0  # cut off by the set's edge: no evidence either way
    window = excursions[centre - half:centre + half]
    window = window - window.mean(0)
    norm = float(np.linalg.norm(window) * np.linalg.norm(template))
    return float((window * template).sum() / norm) if norm > 0 else 0.0


def _without_trailing_twitches(t: np.ndarray, excursions: np.ndarray, excursion: np.ndarray,
                               found: list[float], period: float, rate_hz: float
                               ) -> list[float]:
    """Drop movements after the set that are unlike its repetitions.

    A recording without a set end (a CSV) goes on after the last repetition: the
    patient settles, shifts, reaches for the device. Those last movements are short,
    or come after a longer pause than the set's rhythm and do not look like its
    repetitions.
    """
    half = int(0.5 * period * rate_hz)
    centres = [int(i) for i in np.searchsorted(t, found) if half <= i < len(t) - half]
    if len(centres) < MIN_REPS_FOR_TEMPLATE or len(found) < MIN_REPS + 1:
        return found
    template = _template(excursions, centres, half)
    interval = float(np.median(np.diff(found)))
    widths = _widths(t, excursion, found, period, rate_hz)
    finite = widths[np.isfinite(widths)]
    typical_width = float(np.median(finite)) if len(finite) else 0.0
    kept = list(found)
    while len(kept) > MIN_REPS and len(found) - len(kept) < MAX_TRAILING:
        i = int(np.searchsorted(t, kept[-1]))
        short = widths[len(kept) - 1] < TRAILING_WIDTH * typical_width
        unlike = kept[-1] - kept[-2] > TRAILING_GAP * interval and \
            _likeness(excursions, template, i) < TRAILING_LIKENESS
        if not (short or unlike):
            break
        kept.pop()
    return kept


def _matched(t: np.ndarray, excursions: np.ndarray, rough: list[float], period: float,
             rate_hz: float) -> np.ndarray | None:
    """A matched filter for this set's own repetition, learnt from the first count.

    The template is the median of every channel's excursion around the counted
    repetitions (robust to the faults among them); each channel is weighted by
    how far its template stands above its own noise between repetitions, so
    the channels that show the repetition best decide, whatever the exercise.
    """
    from scipy import signal  # here: importing it takes half a second

    half = int(0.5 * period * rate_hz)
    centres = [int(i) for i in np.searchsorted(t, rough) if half <= i < len(t) - half]
    if len(centres) < MIN_REPS_FOR_TEMPLATE:
        return None
    template = _template(excursions, centres, half)
    near = np.zeros(len(t), bool)
    for i in centres:
        near[max(0, i - int(0.35 * period * rate_hz)):i + int(0.35 * period * rate_hz)] = True
    if near.all():
        near[:] = False
    quiet = excursions[~near] if (~near).any() else excursions
    noise = np.maximum(1.4826 * np.median(np.abs(quiet - np.median(quiet, 0)), 0), 1e-3)
    weights = 1.0 / noise ** 2
    out = np.zeros(len(t))
    for c in range(excursions.shape[1]):
        out += weights[c] * signal.fftconvolve(excursions[:, c] - excursions[:, c].mean(),
                                               template[::-1, c], mode="same")
    scale = float(np.median(out[centres]))
    return out / scale if scale > 0 else None


def _peaks(t: np.ndarray, activity: np.ndarray, period: float, rate_hz: float,
           floor: float | None = None) -> list[float]:
    return _peaks_and_margin(t, activity, period, rate_hz, floor)[0]


def _peaks_and_margin(t: np.ndarray, activity: np.ndarray, period: float, rate_hz: float,
                      floor: float | None = None, size: float | None = None,
                      prominence: float | None = None) -> tuple[list[float], float]:
    """Repetitions among the activity's peaks: big enough, far enough apart, long enough;
    and how clearly the count stands out (the gap, in typical repetitions, between the
    least prominent peak kept and the most prominent one left out).

    Sizes and lengths are judged against this set's own typical repetition (the
    median of the larger half), so the count adapts to small and slow movers.
    A short twitch (settling in, fidgeting at the end) is not a repetition.
    """
    from scipy import signal  # here: importing it takes half a second

    if floor is None:  # an activity at rest: its quiet level
        floor = float(np.percentile(activity, 10))
    peaks, props = signal.find_peaks(activity, distance=max(1, int(MIN_SPACING_FRACTION
                                                                   * period * rate_hz)),
                                     prominence=1e-9, width=1, rel_height=0.5)
    if not len(peaks):
        return [], 0.0
    heights = activity[peaks] - floor
    upper = heights >= np.median(heights)
    typical = float(np.median(heights[upper]))
    if typical <= 0:
        return [], 0.0
    typical_width = float(np.median(props["widths"][upper]))
    size = MIN_SIZE_FRACTION if size is None else size
    prominence = MIN_PROMINENCE_FRACTION if prominence is None else prominence
    keep = (heights >= size * typical) & \
        (props["prominences"] >= prominence * typical) & \
        (props["widths"] >= MIN_WIDTH_FRACTION * typical_width)
    relative = props["prominences"] / typical
    margin = float(relative[keep].min() if keep.any() else 0.0) - \
        float(relative[~keep].max() if (~keep).any() else 0.0)
    return [float(t[p]) for p in peaks[keep]], margin


def _generic(t: np.ndarray, dev: np.ndarray, accel: np.ndarray, gravity: np.ndarray,
             gait: np.ndarray, rate_hz: float) -> list[float]:
    """Any repeated movement: steps while walking, cycles of the main movement elsewhere."""
    from korset.analysis.motion import keep_runs, runs, widen

    found: list[float] = []
    walking = widen(gait, int(GAIT_PAD_S * rate_hz)) & ~_heaving(accel, gravity, rate_hz)
    walking = keep_runs(walking, int(MIN_WALK_S * rate_hz))  # what heaving left of a walk
    other = ~walking
    for a, b in runs(walking):
        steps = _steps(t[a:b], accel[a:b], gravity[a:b], rate_hz)
        if steps is None:  # vigorous, but not at a walk's cadence (sit-to-stand)
            other[a:b] = True
        else:
            found += steps
    for a, b in runs(other):
        if t[b - 1] - t[a] >= MIN_BOUT_S:
            found += _cycles(t[a:b], dev[a:b], accel[a:b], rate_hz)
    return sorted(found)


def _heaving(accel: np.ndarray, gravity: np.ndarray, rate_hz: float) -> np.ndarray:
    """(n,) bool: the pelvis moves up and down by more than a walk's few centimetres
    (squats, sitting down and standing up), judged over WALK_HEAVE_WINDOW_S."""
    if len(accel) <= 30:
        return np.zeros(len(accel), bool)
    g = np.linalg.norm(gravity, axis=1)
    # Up changes over seconds, the band's movements are faster: the vertical acceleration
    # integrates to the vertical displacement (one column, a third of the work).
    lifting = np.einsum("ij,ij->i", accel, gravity) / np.maximum(g, 1e-9) - g
    vertical = displacement(lifting[:, None], rate_hz, band_hz=(0.3, 4.0))[:, 0]
    size = max(1, int(WALK_HEAVE_WINDOW_S * rate_hz))
    spread = ndimage.maximum_filter1d(vertical, size) - ndimage.minimum_filter1d(vertical, size)
    return spread > WALK_MAX_HEAVE_M


def _steps(t: np.ndarray, accel: np.ndarray, gravity: np.ndarray, rate_hz: float
           ) -> list[float] | None:
    """Steps: each heel strike jolts the trunk upwards, one peak of vertical acceleration.
    None when the jolts do not come at a walking cadence."""
    from scipy import signal  # here: importing it takes half a second

    up = gravity / np.maximum(np.linalg.norm(gravity, axis=1, keepdims=True), 1e-9)
    vertical = np.einsum("ij,ij->i", accel, up)
    hi = min(STEP_BAND_HZ[1], 0.45 * rate_hz)
    if len(t) < 3 * rate_hz:
        return []
    sos = signal.butter(2, [STEP_BAND_HZ[0], hi], btype="band", fs=rate_hz, output="sos")
    v = signal.sosfiltfilt(sos, vertical)
    # A walk's jolts repeat at its cadence first of all; a brisk squat's jolts repeat at
    # the squat's period, with at most weaker echoes at shorter lags.
    regular, step_s = regularity(v, rate_hz, STEP_PERIOD_S[0], 3.0)
    if step_s is None or step_s > STEP_PERIOD_S[1] or regular < STEP_REGULARITY:
        return None
    peaks, _ = signal.find_peaks(v, distance=max(1, int(STEP_SPACING_FRACTION * step_s
                                                        * rate_hz)))
    if not len(peaks):
        return []
    typical = float(np.median(np.sort(v[peaks])[len(peaks) // 2:]))
    keep = v[peaks] >= STEP_SIZE_FRACTION * typical
    return [float(x) for x in t[peaks[keep]]]


def _cycles(t: np.ndarray, dev: np.ndarray, accel: np.ndarray, rate_hz: float) -> list[float]:
    """Cycles of the movement's main direction (squats, sit-to-stand, bridges)."""
    from scipy import signal  # here: importing it takes half a second

    x = np.column_stack([dev, (accel - accel.mean(0)) * ACCEL_DEG_PER_MS2])
    # Cycles of seconds: block means at about CYCLES_HZ are plenty, and an hour's
    # filtering then costs a fifth.
    step = max(1, int(round(rate_hz / CYCLES_HZ)))
    n = len(x) // step * step
    x = x[:n].reshape(-1, step, x.shape[1]).mean(1)
    t = t[:n].reshape(-1, step).mean(1)
    rate_hz = rate_hz / step
    if len(x) < 30:
        return []
    hi = min(3.0, 0.45 * rate_hz)
    sos = signal.butter(2, [0.08, hi], btype="band", fs=rate_hz, output="sos")
    x = signal.sosfiltfilt(sos, x, axis=0)
    # First principal component: the movement's main direction.
    _, vectors = np.linalg.eigh(np.cov(x, rowvar=False))  # ascending eigenvalues
    p = x @ vectors[:, -1]
    # A repetition goes out and comes back: the movement is skewed towards "out".
    p = p * (1.0 if np.mean(p ** 3) >= 0 else -1.0)
    period = regularity(p, rate_hz, *GENERIC_PERIOD_RANGE_S)[1] or 2.0
    smooth = ndimage.uniform_filter1d(p, max(1, int(0.15 * period * rate_hz)), mode="nearest")
    found = _peaks(t, smooth, period, rate_hz)
    return found if len(found) >= MIN_REPS else []
