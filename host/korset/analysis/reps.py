"""Repetitions of a catalogue exercise: each one a movement out of the rest position and back.

Method
------
A well-done repetition moves the lower back by a degree or two (rocking back
on all fours mostly moves the pelvis, by centimetres), about as much as a deep
breath, so the count is made on this set's own movement, against this set's
own rest, rhythm and repetitions. Candidates come from one detector, each gets
its evidence, and one decision is taken over all of them:

1. Channels, at ``rate_hz`` (block means: the movements take seconds): the
   three deviation angles and the displacement along the body axes (the
   acceleration less gravity integrated twice in a band, ``displacement``),
   weighted ``deg_per_m``.
2. Each channel's way (``_ways``): one way (+1, -1) when its repetitions all go
   that way from rest, both (0) when a sided exercise's sides flip it. An
   exercise done on one side (the catalogue's ``sides``) moves every channel one
   way; an angle's way is the vote, weighted by size, of its largest
   excursions from the reference early in the set (where the rest is still the
   reference's); a displacement's, the sign of its skewness.
3. Each channel's excursion from its rest: that way (negative parts are
   breaths the other way, no repetition) or by size. The rest is tracked,
   never assumed to stay where the reference was taken: first the lower
   envelope that way (``envelope_s``; channels moving both ways: a running
   median over ``median_s``), then, once repetitions are chosen, the level the
   channels return to between them (their values at the quietest moment
   between two repetitions, a running median of ``rest_troughs``, linear
   between): settling into the mat and a belt seated again move the rest.
4. The channels summed in their own units, each clipped at ``fault_clip``
   typical repetitions (a fault is a large repetition, not several) and weighted
   by how well it repeats (its autocorrelation one period on, after its running
   mean over a period is taken off: a slow wander is no repetition) and how far
   it moves with the others (breathing repeats at a period of its own, not in
   step). In own units, as a matched filter sums channels of equal noise: a
   channel that moves by a degree outweighs one that moves by a tenth.
5. Candidates: every peak of the sum smoothed over ``smooth_periods``, with its
   prominence and its width at half prominence (the topographic definitions),
   less the ripples (under ``ripple`` of a typical repetition).
6. Evidence, a log-likelihood ratio per candidate, from three things a
   repetition is: as large as the set's repetitions (a two-component Gaussian
   mixture of log prominence fitted by EM, Dempster, Laird and Rubin 1977);
   out and back (the level after it is the level before, ``_return_evidence``:
   a sensor seated again moves and stays); and, once repetitions are known,
   as long as they are (``_width_evidence``: a twitch moves as far for a
   fraction of the time). Each model's density is mixed with a uniform outlier
   density (a robust likelihood, Huber 1981), so that one odd feature moves
   the decision by a bounded amount. The three are weighed against two kinds
   of other movement (``_combined_evidence``): smaller ones shaped like a
   repetition (a breath comes back and lasts as long), told apart by size
   only; and, one in ``size_odds`` of the movements as large as a repetition,
   movements of any shape (a fidget, the belt pulled straight), told apart by
   how they come back and how long they last.
7. The decision, once, over every candidate (``repchoice``: the most probable
   chain of a semi-Markov model, by dynamic programming, with a log-normal
   duration prior and a pause component), at the period under which the best
   chain scores best (``period_steps`` tried over ``period_range_s``). Then
   steps 3-7 again with the rest tracked from the chosen repetitions, the
   period local to each candidate (the running median of ``period_window``
   chosen intervals: the tempo drifts over a set by a third or more) and the
   width evidence.

The result carries the counts the recording allows (``repchoice.Choice``): a
range, and whether the count is confident (the only count within a log Bayes
factor of ``repchoice.ChoiceParams.margin`` of the best). Without a marked end,
a last movement within ``unmarked_tail_periods`` of the recording's end is taken
for the patient stopping the recording (a recording stopped by hand holds that
movement): the count is one fewer, one more is allowed, and it is not confident.

Deviations from the methods cited: the mixture's repetition component is the
larger one and the smaller stays at least ``min_separation`` below it (two kinds
closer in size are not told apart by size: rhythm decides); the duration prior
and the period are the set's own, not learned across sets.

References
----------
- Dempster, A. P., Laird, N. M., and Rubin, D. B. (1977). Maximum likelihood
  from incomplete data via the EM algorithm. JRSS B 39(1), 1-38.
- Huber, P. J. (1981). Robust Statistics. Wiley (ch. 4: robust likelihoods).
- Morris, D., Saponas, T. S., Guillory, A., and Kelner, I. (2014). RecoFit:
  using a wearable sensor to find, recognize, and count repetitive exercises.
  CHI 2014, 3225-3234 (counting at the period found by autocorrelation).
- Ellis (2007), Yu (2010), Kass and Raftery (1995): see ``repchoice``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from korset.analysis import repchoice
from korset.analysis.generic import count_generic, displacement
from korset.analysis.rhythm import local_maxima, regularity
from korsetfw import catalogue as cat


@dataclass(frozen=True)
class RepParams:
    """The method's settings, each with its unit and reason."""

    rate_hz: float = 20.0  # counted at about this rate (Hz): repetitions take seconds
    deg_per_m: float = 20.0  # displacement weight (deg per m): 5 cm counts like a degree
    period_range_s: tuple[float, float] = (1.5, 12.0)  # an exercise's repetition cycle (s)
    smooth_periods: float = 0.15  # candidates on the excursion smoothed over this (periods):
    #                               a breath's ripple on a repetition is not a second peak
    fault_clip: float = 1.5  # excursions clipped at this many typical repetitions
    rest_troughs: int = 3  # the rest between repetitions: running median of this many
    period_steps: int = 25  # periods tried over period_range_s (log-spaced: 9 % apart)
    pause_ratio: float = 1.8  # an interval this many periods long is a pause
    period_window: int = 5  # the local period: running median of this many intervals
    # EM: a component's spread of log prominence at least this: repetitions' sizes vary
    # by half either way (0.4-1.5x the typical one in a set), and so do breaths.
    mixture_floor_sd: float = 0.5
    # EM: the smaller movements' mean log prominence at least this below the
    # repetitions' (a factor of 4): a set's own repetitions may differ by a factor of
    # 3.75 (0.4-1.5x the typical one, ln 1.32), and two kinds of movement closer than
    # that are not told apart by size. Was 0.9 (a factor of 2.5), which let the smaller
    # half of such a set's repetitions be taken for the other kind: 1.4 took exact counts
    # from 90.1 to 91.1 % (seed 1, every family) and 93.7 to 94.0 % (seed 7).
    min_separation: float = 1.4
    min_reps: int = 3  # fewer than this is no rhythm to count by
    # Without a marked end, a last movement within this many periods of the recording's
    # end is taken for the patient stopping it (the count one fewer, not sure).
    unmarked_tail_periods: float = 1.0
    ripple: float = 0.05  # candidates rise at least this much of a typical repetition
    # Width evidence (log width at half prominence): the repetitions' spread at least
    # this (a set's repetitions last alike within a fifth), any movement's this (a
    # factor of e either way: a twitch of a second to a slow repetition).
    width_floor_sd: float = 0.2
    width_other_sd: float = 1.0
    # Return evidence (the level after a movement less the level before, over its size):
    # a repetition's about 0, spread this (breathing, drift); another movement's
    # anything up to return_span (a step: about 1).
    return_sd: float = 0.3
    return_span: float = 1.5
    # Among movements as large as a repetition, about one in this many is something else
    # (settling in, a fidget, pulling the belt straight): size alone gives odds of at
    # most this much for a repetition; only the way it comes back and how long it lasts
    # give more.
    size_odds: float = 20.0
    # Robust evidence: each model's density mixed with this share of a uniform density
    # over outlier_span (log units: a few either way), so that no single feature
    # speaks against a candidate by more than about 8 (one repetition in 500 merged
    # with a neighbour looks smaller than it is).
    outlier_share: float = 0.002
    outlier_span: float = 6.0
    one_way_share: float = 0.9  # an angle's largest excursions this much one way: one-way
    early_share: float = 0.3  # angles' ways are judged over this share of the set ...
    early_periods: float = 4.0  # ... and at least this many periods
    one_way_skew: float = 0.5  # a displacement skewed beyond this: its pulses go one way
    envelope_s: float = 6.0  # one-way channels' first rest: lower envelope over this (s),
    #                          a repetition and its rest
    median_s: float = 20.0  # two-way channels' first rest: running median over this (s),
    #                         a few repetitions of each side
    choice: repchoice.ChoiceParams = field(default_factory=repchoice.ChoiceParams)


PARAMS = RepParams()


@dataclass(frozen=True)
class Count:
    """Repetitions found: their times, the counts the recording allows, and whether the
    count is confident."""

    times_s: list[float]
    low: int
    high: int
    confident: bool

    @classmethod
    def none(cls, confident: bool = True) -> Count:
        return cls([], 0, 0, confident)


def count(t: np.ndarray, deviation_deg: np.ndarray, accel: np.ndarray, gravity: np.ndarray,
          gait: np.ndarray, judged: np.ndarray, rate_hz: float, exercise: cat.Exercise,
          end_marked: bool = False, params: RepParams = PARAMS) -> Count:
    """Repetitions inside the judged time (times of their peaks). ``end_marked``: the
    judged time ends where the patient ended the set (``count_channels``)."""
    inside = np.flatnonzero(judged)
    if len(inside) < rate_hz * 2:
        return Count.none()
    i0, i1 = int(inside[0]), int(inside[-1]) + 1
    if exercise.key == cat.REPS:
        # The generic kind's count (steps, cycles of the main movement) is made by rules
        # of its own, not weighed as a catalogue exercise's is: sure only of nothing.
        return Count(*count_generic(t[i0:i1], deviation_deg[i0:i1], accel[i0:i1],
                                    gravity[i0:i1], gait[i0:i1], rate_hz))
    disp = displacement(accel[i0:i1] - gravity[i0:i1], rate_hz)
    step = max(1, int(round(rate_hz / params.rate_hz)))
    n = (i1 - i0) // step
    if n < 10:
        return Count.none()
    channels = np.column_stack([deviation_deg[i0:i1], disp * params.deg_per_m])
    x = channels[:n * step].reshape(n, step, -1).mean(1)
    tt = t[i0:i0 + n * step].reshape(n, step).mean(1)
    return count_channels(tt, x, rate_hz / step, exercise.sides == cat.ALTERNATE, end_marked,
                          params)


def count_channels(t: np.ndarray, x: np.ndarray, rate_hz: float, sided: bool,
                   end_marked: bool = False, params: RepParams = PARAMS) -> Count:
    """The method (module docstring) on (n, k) channels at ``rate_hz``: angles first
    (their rest starts at the reference, 0), then displacements (rest: their median).
    ``sided``: the exercise's repetitions alternate sides (the catalogue's ``sides``).
    ``end_marked``: the channels end where the patient ended the set (a session's end),
    not at a recording's end that may hold fidgeting after it."""
    ways = _ways(x, rate_hz, sided, params)
    rest = _first_rest(x, ways, rate_hz, params)
    found = _pass(t, x, rest, ways, None, rate_hz, end_marked, params)
    if found is None:
        return Count.none(confident=False)
    times, choice, activity, period = found
    if choice.count >= params.min_reps:
        rest = _tracked_rest(t, x, activity, times[choice.chosen], params)
        local = _local_period(times[choice.chosen], period, params)
        again = _pass(t, x, rest, ways, local, rate_hz, end_marked, params,
                      times[choice.chosen])
        if again is not None:
            times, choice, activity, period = again
    low, high = choice.allowed
    chosen = [float(v) for v in times[choice.chosen]]
    if len(chosen) < params.min_reps:
        # Fewer than a rhythm's worth: whether they are repetitions at all is not known
        # (none, or as many as the recording allows), unless nothing at all was there.
        return Count([], 0, max(high, len(chosen)), high == 0)
    if not end_marked and t[-1] - chosen[-1] < params.unmarked_tail_periods * period:
        # Nobody marked where the set ended: a recording stopped by hand runs on after
        # it, and holds the patient's movement to stop it (reaching for the phone,
        # getting up). A last movement within a period of the end is taken for that
        # (a repetition so close to the end would leave no time for it); that it was the
        # set's last repetition is allowed, and the count is not sure.
        kept = chosen[:-1] if len(chosen) > params.min_reps else []
        return Count(kept, min(low, len(kept)), max(high, len(chosen)), False)
    return Count(chosen, low, high, choice.confident)


def _pass(t, x, rest, ways, local_period, rate_hz, end_marked, params, known_s=None):
    """Steps 2-7 once: (candidate times, choice, combined excursion, period) or None.
    ``known_s``: repetitions chosen before, whose widths the candidates' are compared
    with (``_width_evidence``)."""
    away = x - rest
    excursion = np.where(ways == 0, np.abs(away), np.maximum(away * ways, 0.0))
    channels, period = _combined(excursion, rate_hz, params)
    if channels is None:
        return None
    combined = channels.sum(1)
    width = max(1, int(params.smooth_periods * period * rate_hz))
    smooth = np.convolve(combined, np.ones(width) / width, mode="same")
    peaks = local_maxima(smooth)
    if len(peaks) < 2:
        return None
    prominence, width = _prominences(smooth, peaks)
    # A peak rising a few hundredths of a repetition above its dips is a ripple on a
    # movement's flank (a breath riding on it), no movement of its own.
    typical = float(np.median(prominence[prominence >= np.median(prominence)]))
    keep = prominence >= params.ripple * typical
    peaks, prominence, width = peaks[keep], prominence[keep], width[keep]
    if len(peaks) < 2:
        return None
    size = _size_evidence(prominence, params)
    shape = _return_evidence(x, away, channels, smooth, peaks, params)
    if known_s is not None:
        shape = shape + _width_evidence(width / rate_hz, _near(t[peaks], known_s, period),
                                        params)
    evidence = _combined_evidence(size, shape, params)
    times = t[peaks]
    ends = {"start_s": float(t[0]), "end_s": float(t[-1]) if end_marked else None}
    if local_period is not None:
        choice = repchoice.choose(times, evidence, local_period(times), params.choice, **ends)
        return times, choice, smooth, period
    # The set's period: the one under which the best chain of repetitions scores best
    # (a period twice the true one leaves half the repetitions out, half of it makes
    # every interval a double one).
    best = None
    for p in np.geomspace(*params.period_range_s, params.period_steps):
        choice = repchoice.choose(times, evidence, np.full(len(times), p), params.choice,
                                  **ends)
        score = float(choice.count_scores.max())
        if best is None or score > best[0]:
            best = score, choice, p
    _, choice, period = best
    return times, choice, smooth, period


def _ways(x: np.ndarray, rate_hz: float, sided: bool, params: RepParams) -> np.ndarray:
    """(k,) each channel's way, +1 or -1 when its repetitions all go that way from rest,
    0 when they go both (a sided exercise's sides).

    An exercise done on one side moves every channel one way (the catalogue says which
    exercises alternate): then only the way is asked, by the same signs.
    Angles: the signs of their largest excursions from the reference (the rest where
    the set began), as many as there are periods, nearly all alike by size
    (``one_way_share``); for an exercise done on one side, early in the set (its first
    ``early_share``, at least ``early_periods``: the rest drifts later, or moves with a
    belt seated again). Displacements (a band-passed signal, zero on average): the sign
    of their skewness, beyond ``one_way_skew`` (pulses one way skew it that way; sides
    alternating do not).
    """
    lo, hi = params.period_range_s
    ways = np.zeros(x.shape[1])
    for c in range(x.shape[1]):
        v = x[:, c]
        if c < 3:
            e = np.abs(v)
            _, period = regularity(np.minimum(e, np.percentile(e, 80)), rate_hz, lo, hi)
            peaks = local_maxima(e)
            if period is None or not len(peaks):
                continue
            # Early in the set, where the rest is still the reference's (it drifts, and
            # a belt seated again moves it, later).
            # A sided exercise's sides may come in blocks (all left, then all right):
            # whether a channel moves both ways is judged over the whole set.
            early = len(e) if sided else max(int(params.early_share * len(e)),
                                             int(params.early_periods * period * rate_hz))
            peaks = peaks[peaks < early]
            if not len(peaks):
                continue
            n = max(1, int(min(early, len(e)) / (period * rate_hz)))
            top = peaks[np.argsort(e[peaks])[-n:]]
            # Votes weighted by size, up to twice the median one: a breath the other way
            # is smaller than a repetition, a fault no more than two.
            size = np.abs(v[top])
            votes = np.sign(v[top]) * np.minimum(size, 2 * np.median(size))
            share = float(votes.sum() / max(np.abs(votes).sum(), 1e-12))
            if not sided or abs(share) >= 2 * params.one_way_share - 1:
                ways[c] = 1.0 if share >= 0 else -1.0
        else:
            d = v - v.mean()
            skew = float(np.mean(d ** 3) / max(np.mean(d ** 2), 1e-18) ** 1.5)
            if not sided or abs(skew) >= params.one_way_skew:
                ways[c] = 1.0 if skew >= 0 else -1.0
    return ways


def _first_rest(x: np.ndarray, ways: np.ndarray, rate_hz: float, params: RepParams
                ) -> np.ndarray:
    """A first rest for every channel, before any repetition is known: for a channel
    moving one way, its lower envelope that way (the running minimum over ``envelope_s``,
    a repetition and its rest, smoothed over as long); for one moving both ways, its
    running median over ``median_s`` (its sides balance about the rest)."""
    out = np.empty_like(x)
    for c in range(x.shape[1]):
        if ways[c]:
            out[:, c] = ways[c] * _running(ways[c] * x[:, c], params.envelope_s * rate_hz,
                                           np.min)
        else:
            out[:, c] = _running(x[:, c], params.median_s * rate_hz, np.median, smooth=False)
    return out


def _running(v: np.ndarray, size: float, statistic, smooth: bool = True) -> np.ndarray:
    """``statistic`` over a centred window of ``size`` samples (ends held), then, if
    ``smooth``, a running mean as long."""
    size = max(1, int(size))
    half = size // 2
    padded = np.concatenate([np.full(half, v[0]), v, np.full(size - half, v[-1])])
    windows = np.lib.stride_tricks.sliding_window_view(padded, size)[:len(v)]
    out = statistic(windows, axis=1)
    if smooth:
        padded = np.concatenate([np.full(half, out[0]), out, np.full(size - half, out[-1])])
        out = np.convolve(padded, np.ones(size) / size, mode="same")[half:half + len(v)]
    return out


def _combined(excursion: np.ndarray, rate_hz: float, params: RepParams):
    """The channels' excursions summed in their own units (degrees; displacement weighted
    ``deg_per_m``), each clipped at ``fault_clip`` typical repetitions and weighted by how
    well it repeats at the set's period; and that period (s). (None, None): nothing
    repeats.

    Summed in their own units, as a matched filter sums channels with equal noise: a
    channel that moves by a degree at each repetition outweighs one that moves by a
    tenth, however regularly (breathing repeats as regularly as repetitions do).
    """
    lo, hi = params.period_range_s
    k = excursion.shape[1]
    clipped = np.zeros_like(excursion)
    periods = np.zeros(k)
    for c in range(k):
        e = excursion[:, c]
        _, period = regularity(np.minimum(e, np.percentile(e, 80)), rate_hz, lo, hi)
        if period is None:
            continue
        typical = _typical_peak(e, period, rate_hz)
        if typical <= 0:
            continue
        clipped[:, c] = np.minimum(e, params.fault_clip * typical)
        periods[c] = period
    # The set's period: of the channels together (one alone may repeat every other
    # repetition, or miss some), each first weighted by its own regularity.
    weights = np.array([_repeats(clipped[:, c], periods[c], rate_hz) if periods[c] else 0.0
                        for c in range(k)])
    if not weights.any():
        return None, None
    _, period = regularity(clipped @ weights, rate_hz, lo, hi)
    if period is None:
        return None, None
    weights = np.array([_repeats(clipped[:, c], period, rate_hz) if periods[c] else 0.0
                        for c in range(k)])
    if not weights.any():
        return None, None
    return clipped * (weights / weights.sum()), period


def _repeats(e: np.ndarray, period: float, rate_hz: float) -> float:
    """How well ``e`` repeats at the period: its autocorrelation one period on (the best
    lag within a fifth of it), 0 if negative; after its running mean over one period is
    taken off (a slow wander correlates with itself at every lag, and is no
    repetition)."""
    lag = int(round(period * rate_hz))
    if lag < 2 or len(e) < 3 * lag:
        return 0.0
    e = e - np.convolve(e, np.ones(lag) / lag, mode="same")
    e = e[lag:-lag]
    denominator = float(e @ e)
    if denominator <= 0:
        return 0.0
    spread = max(1, lag // 5)
    best = 0.0
    for k in range(max(1, lag - spread), min(len(e) - 1, lag + spread) + 1):
        best = max(best, float(e[:-k] @ e[k:]) / denominator)
    return best


def _typical_peak(e: np.ndarray, period: float, rate_hz: float) -> float:
    """The size of this channel's typical repetition: the median of its largest peaks,
    as many as the set has periods (faults are a minority of them)."""
    peaks = local_maxima(e)
    if not len(peaks):
        return float(e.max())
    n = max(1, int(len(e) / (period * rate_hz)))
    return float(np.median(np.sort(e[peaks])[-n:]))


def _prominences(x: np.ndarray, peaks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each peak's prominence (its height above the higher of the lowest points between
    it and the nearest higher sample on either side, or the signal's end) and its width
    (samples) at half that prominence: the topographic definitions scipy.signal uses."""
    prominence = np.empty(len(peaks))
    width = np.empty(len(peaks))
    for n, p in enumerate(peaks):
        h = x[p]
        left = x[:p][::-1]
        higher = np.flatnonzero(left > h)
        left = left[:higher[0]] if len(higher) else left
        right = x[p + 1:]
        higher = np.flatnonzero(right > h)
        right = right[:higher[0]] if len(higher) else right
        base = max(left.min() if len(left) else h, right.min() if len(right) else h)
        prominence[n] = h - base
        half = h - 0.5 * prominence[n]
        below_left = np.flatnonzero(left < half)
        below_right = np.flatnonzero(right < half)
        width[n] = (below_left[0] if len(below_left) else len(left)) + \
            (below_right[0] if len(below_right) else len(right)) + 1
    return prominence, width


def _size_evidence(prominence: np.ndarray, params: RepParams) -> np.ndarray:
    """Log-likelihood ratio of each candidate being a repetition rather than a smaller
    movement, from a two-component Gaussian mixture of log prominence fitted by EM
    (module docstring, step 6)."""
    y = np.log(np.maximum(prominence, 1e-9))
    floor = params.mixture_floor_sd
    # Start: repetitions at the typical size (the larger half's median), the rest a
    # quarter of it.
    typical = float(np.median(y[y >= np.median(y)]))
    mean = np.array([typical + np.log(0.25), typical])
    sd = np.array([floor, floor])
    share = np.array([0.5, 0.5])
    for _ in range(50):
        density = share * np.exp(-0.5 * ((y[:, None] - mean) / sd) ** 2) / sd
        total = density.sum(1, keepdims=True)
        total[total == 0] = 1e-300
        r = density / total
        weight = r.sum(0)
        if (weight < 1e-6).any():
            break
        new_mean = (r * y[:, None]).sum(0) / weight
        # The smaller movements at least min_separation below the repetitions: two kinds
        # closer in size than that are not told apart by size (when every candidate is a
        # repetition, the smaller kind stays there, and rhythm decides the doubtful).
        new_mean[0] = min(new_mean[0], new_mean[1] - params.min_separation)
        new_sd = np.maximum(np.sqrt((r * (y[:, None] - new_mean) ** 2).sum(0) / weight),
                            floor)
        share = weight / weight.sum()
        if np.allclose(new_mean, mean, atol=1e-4) and np.allclose(new_sd, sd, atol=1e-4):
            mean, sd = new_mean, new_sd
            break
        mean, sd = new_mean, new_sd
    return _robust_llr(np.minimum(y, mean[1]), (mean[1], sd[1]), (mean[0], sd[0]),
                       params.outlier_share, params.outlier_span)


def _combined_evidence(size: np.ndarray, shape: np.ndarray, params: RepParams
                       ) -> np.ndarray:
    """Log-likelihood ratio of each candidate being a repetition against being another
    movement, from its size evidence (log A: repetition against smaller movement) and its
    shape evidence (log B: the way it comes back and how long it lasts, repetition against
    a movement of any shape).

    The other movements are of two kinds: smaller ones shaped like a repetition (breaths,
    wobbles: they come back, and last as long), and, a share f = 1 / ``size_odds`` of
    them, movements as large as a repetition of any shape (a fidget, the belt pulled
    straight). With those likelihoods,

        ratio = A / ((1 - f) + f A / B):

    for a small movement (A small) its size decides, however it is shaped; for one as
    large as a repetition (A large) the odds are those of its shape against a fidget's,
    B / f. (Capping size at 1 / f and counting shape only against it is the same model
    without the shape's support: a movement that moves, comes back and lasts like the
    set's repetitions has more in its favour than its size.)"""
    f = 1.0 / params.size_odds
    return size - np.logaddexp(np.log1p(-f), np.log(f) + size - shape)


def _near(times_s: np.ndarray, known_s: np.ndarray, period: float) -> np.ndarray:
    """(n,) bool: each time within a quarter period of one of ``known_s``."""
    if not len(known_s):
        return np.zeros(len(times_s), bool)
    return np.abs(times_s[:, None] - known_s[None, :]).min(1) < 0.25 * period


def _width_evidence(width_s: np.ndarray, like: np.ndarray, params: RepParams) -> np.ndarray:
    """Log-likelihood ratio of each candidate being a repetition rather than a movement
    of any shape, from how long it lasts (its width at half prominence): log width as
    the repetitions chosen before (``like``: their median, spread by their MAD, at least
    ``width_floor_sd``) against any width (the same median, spread ``width_other_sd``).
    Settling in, a fidget or reaching for the phone after the set moves as far as a
    repetition but for a fraction of its time (a breath lasts as long as a repetition:
    ``_combined_evidence`` weighs this against fidgets only)."""
    y = np.log(np.maximum(width_s, 1e-3))
    if like.sum() < params.min_reps:
        return np.zeros(len(y))
    typical = float(np.median(y[like]))
    spread = max(1.4826 * float(np.median(np.abs(y[like] - typical))), params.width_floor_sd)
    llr = _robust_llr(y, (typical, spread), (typical, params.width_other_sd),
                      params.outlier_share, params.outlier_span)
    return llr


def _return_evidence(x: np.ndarray, away: np.ndarray, channels: np.ndarray,
                     smooth: np.ndarray, peaks: np.ndarray, params: RepParams) -> np.ndarray:
    """Log-likelihood ratio of each candidate being a repetition rather than a movement
    of any shape, from whether it comes back: a repetition is one whole cycle, out and
    back, so the level after it (every channel, at the lowest point between it and the
    next candidate) is the level before it (the lowest point between it and the one
    before); a sensor seated again on the belt, or a patient settling into another
    position, moves and stays.

    The measure is the distance between the two levels over the movement's size at its
    peak (channels weighted as in the count). Repetitions: half-normal about 0, spread
    ``return_sd`` (breathing and drift move the dips a little); other movements: any
    value up to ``return_span``."""
    weight = channels.sum(0) / np.maximum(np.abs(away).sum(0), 1e-12)  # per channel
    bounds = np.concatenate([[0], peaks, [len(smooth) - 1]])
    out = np.zeros(len(peaks))
    for k, p in enumerate(peaks):
        lo, hi = bounds[k], bounds[k + 2]
        if p - lo < 2 or hi - p < 2:
            continue  # at the set's edge: no evidence
        before = lo + int(np.argmin(smooth[lo:p]))
        after = p + 1 + int(np.argmin(smooth[p + 1:hi + 1]))
        change = (x[after] - x[before]) * weight
        size = float(np.linalg.norm(away[p] * weight))
        if size <= 0:
            continue
        ratio = float(np.linalg.norm(change)) / size
        rep = np.log(2.0) - 0.5 * (ratio / params.return_sd) ** 2 - np.log(
            params.return_sd * np.sqrt(2 * np.pi))
        other = -np.log(params.return_span)
        out[k] = max(rep, np.log(params.outlier_share)) - other
    return out


def _robust_llr(y: np.ndarray, rep: tuple[float, float], other: tuple[float, float],
                outlier_share: float, span: float) -> np.ndarray:
    """log p(y | repetition) - log p(y | other), each a normal (mean, sd) mixed with a
    uniform outlier density over ``span`` (share ``outlier_share``): one odd value (a
    repetition merged with a fault, a fidget shaped like a repetition) then moves the
    decision by a bounded amount, not by the square of how odd it is (a robust
    likelihood; Huber 1981, ch. 4)."""
    def log_density(mean, sd):
        normal = np.exp(-0.5 * ((y - mean) / sd) ** 2) / (sd * np.sqrt(2 * np.pi))
        return np.log((1 - outlier_share) * normal + outlier_share / span)
    return log_density(*rep) - log_density(*other)


def _tracked_rest(t: np.ndarray, x: np.ndarray, activity: np.ndarray, chosen_s: np.ndarray,
                  params: RepParams) -> np.ndarray:
    """Each channel's rest: its value at the quietest moment between chosen repetitions
    (and before the first, after the last), the running median of ``rest_troughs`` of
    them, linear between."""
    at = np.searchsorted(t, chosen_s)
    edges = np.concatenate([[0], at, [len(t)]])
    troughs = []
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        if b - a >= 2:
            troughs.append(a + int(np.argmin(activity[a:b])))
    troughs = np.array(troughs)
    levels = x[troughs]
    half = params.rest_troughs // 2
    if len(troughs) > params.rest_troughs:
        levels = np.stack([np.median(levels[max(0, i - half):i + half + 1], axis=0)
                           for i in range(len(troughs))])
    return np.stack([np.interp(np.arange(len(t)), troughs, levels[:, c])
                     for c in range(x.shape[1])], -1)


def _local_period(chosen_s: np.ndarray, period: float, params: RepParams):
    """The period near any time: the running median of ``period_window`` intervals
    between the chosen repetitions (pauses, over ``pause_ratio`` periods, left out), linear
    between their middles; the set's period where too few are known."""
    intervals = np.diff(chosen_s)
    middles = 0.5 * (chosen_s[1:] + chosen_s[:-1])
    keep = intervals <= params.pause_ratio * period
    intervals, middles = intervals[keep], middles[keep]
    if len(intervals) < params.period_window:
        return lambda times: np.full(len(times), period)
    half = params.period_window // 2
    local = np.array([np.median(intervals[max(0, i - half):i + half + 1])
                      for i in range(len(intervals))])
    return lambda times: np.interp(times, middles, local)
