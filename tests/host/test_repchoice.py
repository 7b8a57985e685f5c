"""The one decision over candidate repetitions (korset.analysis.repchoice): properties of
the semi-Markov chain, on candidates made by hand."""

import numpy as np

from korset.analysis.repchoice import ChoiceParams, choose, interval_log_prior

# The evidence of a clear repetition: as large as the others (odds of 20 against a
# fidget from size), coming back and lasting as long as they do (about e^2.5 more).
CLEAR = 5.5


def test_an_interval_of_one_period_costs_about_nothing_and_a_short_one_is_impossible():
    p = ChoiceParams()
    prior = interval_log_prior(np.array([4.0, 3.6, 6.0, 8.0, 1.6]), np.full(5, 4.0), p)
    assert abs(prior[0]) < 0.1 and prior[0] > prior[1] and prior[0] > prior[2] > prior[3]
    assert prior[4] == -np.inf  # 0.4 of a period, under min_spacing


def test_the_rhythm_keeps_the_repetitions_and_drops_what_is_unlike_them():
    times = np.arange(10) * 4.0
    # A twitch half-way between the third and fourth, with evidence against it.
    times = np.sort(np.append(times, 10.0))
    evidence = np.where(times == 10.0, -4.0, CLEAR)
    c = choose(times, evidence, np.full(len(times), 4.0))
    assert list(times[c.chosen]) == list(np.arange(10) * 4.0)
    assert c.confident and c.allowed == (10, 10)


def test_a_doubtful_candidate_in_a_gap_widens_the_range_instead_of_deciding():
    times = np.array([0.0, 4.0, 8.0, 12.0, 16.0, 20.0, 24.0, 28.0, 32.0])
    evidence = np.full(len(times), CLEAR)
    evidence[4] = -1.5  # a small movement where the rhythm expects a repetition
    c = choose(times, evidence, np.full(len(times), 4.0))
    low, high = c.allowed
    assert low <= 8 < 9 <= high and not c.confident
    assert c.count in (8, 9)


def test_a_pause_does_not_cost_a_repetition_at_either_end_of_it():
    times = np.concatenate([np.arange(6) * 4.0, 45.0 + np.arange(6) * 4.0])
    c = choose(times, np.full(len(times), CLEAR), np.full(len(times), 4.0),
               start_s=-2.0, end_s=70.0)
    assert c.count == 12 and c.confident
