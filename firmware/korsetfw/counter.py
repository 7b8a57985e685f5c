"""Live, causal counting of repetitions and holds on the device.

Both exercises kinds return to where they started: a repetition goes out and
comes back; a hold goes out, stays, and comes back. The counter watches how
far the lower back is from its rest attitude (the size of the deviation,
any axis, either side: sin^2 of half the angle, Q28) with hysteresis:

- out: beyond ``hi`` for a few samples; back: below ``lo`` for a while;
- a repetition is an out-and-back of 0.6-15 s; a hold is an out that then
  stays steady, timed until it comes back;
- ``hi`` adapts to the patient: 45 % of the typical peak (the median of the
  last five, so a fault's big excursion does not raise it), between the
  exercise's minimum and maximum (a well-done repetition of a leaflet
  exercise moves the lower back a degree or two, so there the threshold
  stays within 0.5-1 degree whatever was counted so far); ``lo`` is 60 % of
  ``hi`` (in angle);
- a hold is confirmed only once the patient has been calm out there, at a
  steady angle (within 10 %), for ``settle_s``: a drift at rest, or the slow
  start of the movement into the hold, is not taken for one; it ends when the patient has come
  back more than 60 % of the way (below 40 % of the held angle) or below
  ``lo``, whichever is further out.

The rest attitude drifts slowly with the patient; it follows while at rest.
This is the board's live count, so it can cue the target; the host's offline
analysis is the reference count. Integer-only.
"""

import array
import math

from korsetfw import const
from korsetfw.fixedpoint import ONE, clamp, mul, q28

_REST = const(0)
_OUT = const(1)
_PEAKS = const(5)


def size2_of_deg(deg):
    """sin^2(angle / 2) in Q28 for an angle in degrees (thresholds, not per sample)."""
    return q28(math.sin(math.radians(deg) / 2) ** 2)


class Counter:
    def __init__(self, rate_hz, holds, min_deg=0.5, max_deg=1.0, hold_target_s=15.0,
                 settle_s=0.4):
        self.rate_hz = rate_hz
        self.holds = holds  # count holds (True) or repetitions (False)
        self._min2 = size2_of_deg(min_deg)
        self._max2 = size2_of_deg(max_deg)
        self._hi2 = self._min2
        self._lo2 = (self._hi2 * 23) >> 6  # 0.6^2 of the angle = 0.36
        self._peaks = array.array("i", bytes(4 * _PEAKS))  # last peaks, d2
        self._sorted = array.array("i", bytes(4 * _PEAKS))
        self._n_peaks = 0
        self._out_n = int(0.06 * rate_hz) + 1
        self._back_n = int(0.2 * rate_hz) + 1
        self._min_rep = int(0.6 * rate_hz)
        self._max_rep = int(15 * rate_hz)
        self._min_hold = int(3 * rate_hz)
        self._settle_n = int(settle_s * rate_hz)
        self._settled = 0  # samples still at a steady angle, while out
        self._plateau2 = 0
        self._hold_target = int(hold_target_s * rate_hz)
        self._k_rest = 8 if rate_hz > 80 else 7  # ~2.5 s
        self.rest = [0, 0, 0]
        self.count = 0
        self.state = _REST
        self._n = 0  # samples in the current state
        self._streak = 0
        self._peak2 = 0
        self.hold_complete = False
        self.last_length = 0  # samples out in the last completed excursion
        self.hold_confirmed = False
        self.hold_level2 = 0  # d2 when the hold was confirmed
        # (0.75)^2 of hold_level2, taken once when the hold is confirmed rather
        # than every sample (hold_level2 * 36 would pass 2**30, see update).
        self._leave2 = 0
        self.d2 = 0  # the last excursion size
        self._lo2_now = self._lo2

    def update(self, dx, dy, dz, still):
        """Feed the vector part of the deviation (Q28) and whether the patient is
        calm this sample. Returns an event code or 0:

        1 repetition counted; 2 hold started; 3 hold ended (counted);
        4 hold reached its target time; 5 excursion ended without counting.
        """
        rest = self.rest
        # Clamped so that mul's factors stay within 2**28 (a difference of two
        # unit-quaternion parts can reach 2**29); anything this far is "out".
        ex = clamp(dx - rest[0], ONE)
        ey = clamp(dy - rest[1], ONE)
        ez = clamp(dz - rest[2], ONE)
        d2 = mul(ex, ex) + mul(ey, ey) + mul(ez, ez)
        self.d2 = d2
        self._n += 1
        if self.state == _REST:
            hi2 = self._hi2
            if d2 > hi2:
                self._streak += 1
                if self._streak >= self._out_n:
                    self.state = _OUT
                    self._n = self._streak
                    self._streak = 0
                    self._peak2 = d2
                    self._lo2_now = (hi2 * 23) >> 6
                    self.hold_complete = False
                    self.hold_confirmed = False
                    self._settled = 0
                    self._plateau2 = d2
            else:
                self._streak = 0
                if d2 < self._lo2:
                    k = self._k_rest
                    rest[0] += ex >> k
                    rest[1] += ey >> k
                    rest[2] += ez >> k
            return 0
        # Out.
        if d2 > self._peak2:
            self._peak2 = d2
        if d2 < self._lo2_now:
            self._streak += 1
            if self._streak < self._back_n:
                return 0
            length = self._n - self._streak
            self.last_length = length
            self.state = _REST
            self._n = 0
            self._streak = 0
            if self.holds:
                if self.hold_confirmed and length >= self._min_hold:
                    self.count += 1
                    self._adapt()
                    return 3
                return 5
            if self._min_rep <= length <= self._max_rep:
                self.count += 1
                self._adapt()
                return 1
            return 5
        self._streak = 0
        if self.holds:
            if not self.hold_confirmed:
                p2 = self._plateau2
                # Steady: d2 within +-20 % of where the still run began (10 % in angle).
                if still and p2 and (d2 - p2 if d2 > p2 else p2 - d2) < (p2 >> 2) - (p2 >> 5):
                    self._settled += 1
                else:
                    self._settled = 0
                    self._plateau2 = d2
                if self._settled >= self._settle_n:
                    self.hold_confirmed = True
                    self.hold_level2 = d2
                    # Scaled down before multiplying: d2 reaches 3 * 2**28, so d2 * 41
                    # would pass 2**30 (from a hold of 37 degrees) and be a heap
                    # allocated long int on a 32-bit port. The 6 bits dropped are
                    # 2**-22 of full scale.
                    end2 = ((d2 >> 6) * 41) >> 2  # (0.4)^2 of the held angle
                    self._leave2 = (d2 >> 4) * 9  # (0.75)^2 of it, for leaving_hold
                    if end2 > self._lo2_now:
                        self._lo2_now = end2
                    return 2
            elif not self.hold_complete and self._n >= self._hold_target:
                self.hold_complete = True
                return 4
        elif self._n > self._max_rep:
            # Out far too long for a repetition: the patient changed position.
            # Take it as the new rest.
            self.state = _REST
            self._n = 0
            rest[0] = dx
            rest[1] = dy
            rest[2] = dz
            return 5
        return 0

    def _adapt(self):
        peaks = self._peaks
        peaks[self._n_peaks % _PEAKS] = self._peak2
        self._n_peaks += 1
        n = self._n_peaks if self._n_peaks < _PEAKS else _PEAKS
        # Median of the last n peaks: insertion sort into a preallocated array.
        srt = self._sorted
        for i in range(n):
            v = peaks[i]
            j = i
            while j > 0 and srt[j - 1] > v:
                srt[j] = srt[j - 1]
                j -= 1
            srt[j] = v
        typical = srt[(n - 1) >> 1]
        # (0.45)^2 of the typical peak, scaled down first so that the product stays
        # below 2**30 (a small int on a 32-bit port) for peaks up to 3 * 2**28.
        hi2 = ((typical >> 4) * 13) >> 2
        if hi2 < self._min2:
            hi2 = self._min2
        elif hi2 > self._max2:
            hi2 = self._max2
        self._hi2 = hi2
        self._lo2 = (hi2 * 23) >> 6

    def at_rest(self):
        return self.state == _REST

    def leaving_hold(self):
        """Heading back to the start: below 75 % of the held angle (not a fault)."""
        return self.d2 < self._leave2

