"""One decision over every candidate repetition: which of them the set's repetitions are.

Method
------
The candidates are the peaks of a set's movement (``reps``), each with its
evidence: the log-likelihood ratio of "a repetition" against "something
smaller" (a breath, a wobble), from its size. Which candidates are the set's
repetitions is decided once, over all of them, as the most probable sequence
under a semi-Markov model (Yu 2010): a sequence is a chain of repetitions,
each interval between two of them drawn from a duration prior, each
repetition adding its evidence. The most probable chain is found by dynamic
programming over the candidates, as Ellis (2007) tracks beats: a candidate's
best score is its evidence plus the best over earlier candidates of their
score and the log prior of the interval between them.

The duration prior is log-normal around the set's local period (the tempo
drifts over a set, so the period is the set's own, near each candidate) with
a broad pause component for the longer intervals: a patient who stops for
the phone has not stopped the set, and a gap in the rhythm is not filled with
a repetition unless a candidate there has the evidence. Intervals shorter than
``min_spacing`` periods are impossible: one repetition is one whole cycle,
out and back.

The count's confidence comes from the same programme, kept per count: the
best score of a chain of exactly k repetitions, for every k. Counts whose
best chain scores within ``margin`` (a log Bayes factor) of the best are
counts the recording allows; they make the range, and a count is confident
when it is the only one (Kass and Raftery 1995: a factor of 20-150, ln 3-5, is
"strong" evidence).

References
----------
- Ellis, D. P. W. (2007). Beat tracking by dynamic programming. Journal of
  New Music Research 36(1), 51-60.
- Yu, S.-Z. (2010). Hidden semi-Markov models. Artificial Intelligence
  174(2), 215-243.
- Kass, R. E., and Raftery, A. E. (1995). Bayes factors. Journal of the
  American Statistical Association 90(430), 773-795.

Deviation from Ellis (2007): his method assumes every beat present and a
fixed tempo; here candidates may be left out (their evidence decides), the
tempo is local, and long intervals have a pause component.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ChoiceParams:
    """The duration prior and the confidence margin, with their reasons."""

    # Log-normal spread of one interval around the local period (natural log units). A
    # set's intervals vary by about a quarter (movement 3-5 s, rests 0-1.2 s: the
    # simulator's patients, and the independent recordings' +-35 % drift is taken out
    # by the local period).
    interval_sd: float = 0.3
    # Probability that an interval is a pause (longer than the rhythm): about one in five
    # (a patient takes a breath or two longer between some repetitions, and a set of 15-20
    # may hold a pause or three for the phone or a cramp). Chosen on the bench's families
    # (seed 1: 0.1 -> 0.2 took the pauses family from 64 to 81 % exact) and checked on
    # sets it was not chosen on (seed 7: 91.5 -> 92.3 % exact over all families, exact
    # when confident 98.5 -> 99.5 %). The price: ordinary sets (standard and unseen, both
    # seeds, 224) 94.2 -> 93.3 % exact, a repetition after a long rest now and then
    # taken for a pause.
    pause_probability: float = 0.2
    # The longest pause the prior allows for (s, beyond the period); longer gaps are
    # allowed too, at the density of this one.
    longest_pause_s: float = 40.0
    # Shortest interval, in periods: a repetition out and back takes at least half the
    # set's typical cycle even at the brisk end of a drifting tempo.
    min_spacing: float = 0.45
    # Counts whose best chain is within this log Bayes factor of the best are allowed
    # by the recording. Kass and Raftery (1995) call a factor of 20-150 (ln 3.0-5.0)
    # "strong" evidence; within that, 3.5 (about 33) was chosen on the bench's corpus
    # (seed 1, every family: exact when confident 98.6 % at 3.0, 99.1 % at 3.5, 99.7 %
    # at 5.0, confident in 67, 59, 35 % of sets) and checked on sets it was not chosen
    # on (seed 7: 99.5 % exact when confident, 59 % confident).
    margin: float = 3.5


@dataclass(frozen=True)
class Choice:
    """The chosen candidates (indices, in time order) and every count's best score."""

    chosen: np.ndarray  # indices into the candidates
    count_scores: np.ndarray  # [k]: best log score of a chain of exactly k (k = 0..)
    params: ChoiceParams

    @property
    def count(self) -> int:
        return len(self.chosen)

    @property
    def allowed(self) -> tuple[int, int]:
        """The counts whose best chain scores within ``margin`` of the best: (low, high)."""
        best = float(self.count_scores.max())
        ok = np.flatnonzero(self.count_scores >= best - self.params.margin)
        return int(ok.min()), int(ok.max())

    @property
    def confident(self) -> bool:
        low, high = self.allowed
        return low == high


def interval_log_prior(interval_s: np.ndarray, period_s: np.ndarray, p: ChoiceParams
                       ) -> np.ndarray:
    """Log prior of intervals between repetitions (s) at local periods (s), 0 for an
    interval of one period on the rhythm alone (the pause component adds a little from
    one period on: 0.08 at ``pause_probability`` 0.2); -inf below ``min_spacing`` periods."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = interval_s / period_s
        z = np.log(ratio) / p.interval_sd
        rhythm = (1 - p.pause_probability) * np.exp(-0.5 * z * z) / (
            p.interval_sd * np.sqrt(2 * np.pi))
        # Uniform in log interval from one period to the longest pause.
        span = np.log((period_s + p.longest_pause_s) / period_s)
        pause = np.where(ratio >= 1.0, p.pause_probability / span, 0.0)
        peak = (1 - p.pause_probability) / (p.interval_sd * np.sqrt(2 * np.pi))
        out = np.log(rhythm + pause) - np.log(peak)
    return np.where(ratio >= p.min_spacing, out, -np.inf)


def edge_log_prior(interval_s: np.ndarray, period_s: np.ndarray, p: ChoiceParams
                   ) -> np.ndarray:
    """Log prior of the time before the first repetition or after the last (s): free up
    to one period (the reference is taken at rest, and the first movement may begin at
    once), an interval's beyond (a longer wait is a pause)."""
    longer = interval_log_prior(np.maximum(interval_s, period_s), period_s, p)
    return np.where(interval_s <= period_s, 0.0, longer)


def choose(times_s: np.ndarray, evidence: np.ndarray, period_s: np.ndarray,
           p: ChoiceParams = ChoiceParams(), start_s: float | None = None,
           end_s: float | None = None) -> Choice:
    """The most probable chain of repetitions among candidates at ``times_s`` (sorted),
    each with its ``evidence`` (log-likelihood ratio), the local period at each
    (``period_s``, s). Every count's best score is kept.

    ``start_s``, ``end_s``: when the set began (its reference) and ended, if known: the
    time from the start to the first repetition, and from the last to the end, are
    intervals of the chain too (a patient begins within about a cycle of the start, or
    pauses first), so that a repetition is not left out at either end for free."""
    n = len(times_s)
    edge = 0.0
    if start_s is not None and end_s is not None:
        edge = float(edge_log_prior(np.array([end_s - start_s]),
                                    np.array([np.median(period_s) if n else 1.0]), p)[0])
    if n == 0:
        return Choice(np.zeros(0, np.intp), np.array([edge if np.isfinite(edge) else 0.0]), p)
    lead = np.zeros(n) if start_s is None else edge_log_prior(times_s - start_s, period_s, p)
    tail = np.zeros(n) if end_s is None else edge_log_prior(end_s - times_s, period_s, p)
    # transition[i, j]: log prior of j following i (-inf unless i is earlier).
    mid_period = 0.5 * (period_s[:, None] + period_s[None, :])
    gap = times_s[None, :] - times_s[:, None]
    transition = np.where(gap > 0, interval_log_prior(np.maximum(gap, 1e-9), mid_period, p),
                          -np.inf)
    scores = np.full((n + 1, n), -np.inf)
    back = np.zeros((n + 1, n), np.intp)
    scores[1] = evidence + lead
    for k in range(2, n + 1):
        total = scores[k - 1][:, None] + transition
        back[k] = np.argmax(total, axis=0)
        scores[k] = evidence + total[back[k], np.arange(n)]
        if not np.isfinite(scores[k]).any():  # no chain this long fits the spacing
            scores = scores[:k]
            break
    ended = scores + tail
    count_scores = np.concatenate([[edge if np.isfinite(edge) else 0.0],
                                   ended[1:].max(axis=1)])
    k = int(np.argmax(count_scores))
    chosen = []
    if k:
        j = int(np.argmax(ended[k]))
        for kk in range(k, 0, -1):
            chosen.append(j)
            j = int(back[kk, j])
    return Choice(np.array(chosen[::-1], np.intp), count_scores, p)
