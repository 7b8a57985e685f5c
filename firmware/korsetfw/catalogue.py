"""The exercise catalogue: the leaflet's nine exercises and two generic kinds, as data.

One definition for the firmware and the host. The leaflet is "Sådan træner du,
når du skal styrke ryggen" (Fysio- og Ergoterapi, Farsø, Rygambulatoriet).
The texts a person reads besides the English name (Danish names, the
instructions) are in ``korsetfw.catalogue_text``, kept off the boards.

Units: tolerances in degrees of lumbar deviation from the reference taken at
the start of a set; hold times in seconds. Axes of the lower back (body frame
x anterior, y left, z up): ``flexion`` (flexion/extension, about y),
``lateral`` (lateral bend, about x), ``rotation`` (axial rotation, about z).
"""

FLEXION = "flexion"
LATERAL = "lateral"
ROTATION = "rotation"
AXES = (FLEXION, LATERAL, ROTATION)

REPS = "reps"
HOLD = "hold"
KINDS = (REPS, HOLD)

SUPINE = "supine"
PRONE = "prone"
SIDE_LYING = "side_lying"
QUADRUPED = "quadruped"
SITTING = "sitting"
STANDING = "standing"
ANY = "any"
POSTURES = (SUPINE, PRONE, SIDE_LYING, QUADRUPED, SITTING, STANDING, ANY)

# Direction of the measured specific force at rest (the reaction to gravity,
# "up" in the world) in body axes, for each starting posture. Side-lying may
# be on either side, so only |y| is meant there. Prone and quadruped share a
# direction: the trunk faces the floor in both.
POSTURE_UP = {
    STANDING: (0, 0, 1),
    SITTING: (0, 0, 1),
    SUPINE: (1, 0, 0),
    PRONE: (-1, 0, 0),
    QUADRUPED: (-1, 0, 0),
    SIDE_LYING: (0, 1, 0),
}

# The tolerances a patient's set may be given (the host's settings, CONFIGURE, PROGRAMME)
TOLERANCE_RANGE_DEG = (0.5, 30.0)

# Sides: whether repetitions alternate between left and right.
ONE_SIDE = "one"
ALTERNATE = "alternate"


class Exercise:
    """One exercise. ``key`` is the name a programme file uses; ``number`` is the
    leaflet's (None for generic and custom exercises)."""

    # Defaults as class attributes: an instance stores only what differs (on a board every
    # instance attribute costs RAM, and most exercises share these).
    reps = None  # (min, max) repetitions, for REPS
    hold_s = None  # (min, max) seconds per hold, for HOLD
    holds = None  # number of holds in a set, for HOLD
    sides = ONE_SIDE
    # For holds: True when the hold is stillness in the starting posture
    # (exercise 1: the lower back must not move at all, so it is judged
    # against the set's reference throughout); False when the patient
    # moves into a held position (exercise 5's pelvic tilt), which is
    # then judged against the position held.
    hold_in_place = False
    _texts = None

    def __init__(
        self,
        key,
        number,
        kind,
        posture,
        axes,
        tolerance_deg,
        name_en,
        name_da=None,
        how_en=None,
        how_da=None,
        reps=None,
        hold_s=None,
        holds=None,
        sides=ONE_SIDE,
        hold_in_place=False,
    ):
        self.key = key
        self.number = number
        self.kind = kind
        self.posture = posture
        self.axes = axes  # tuple of AXES that must stay still
        self.tolerance_deg = tolerance_deg  # {axis: degrees} for each of axes
        self.name_en = name_en
        # The other texts: given (a custom exercise), else korsetfw.catalogue_text's, looked
        # up when the host asks (that module is not on boards: see korsetfw.HOST_ONLY).
        given = (name_da, how_en, how_da)
        if given != (None, None, None):
            self._texts = tuple(t or "" for t in given)
        if reps is not None:
            self.reps = reps
        if hold_s is not None:
            self.hold_s = hold_s
        if holds is not None:
            self.holds = holds
        if sides != ONE_SIDE:
            self.sides = sides
        if hold_in_place:
            self.hold_in_place = hold_in_place

    def _text(self, i):
        texts = self._texts
        if texts is None:
            from korsetfw.catalogue_text import TEXTS

            texts = TEXTS.get(self.key, ("", "", ""))
        return texts[i]

    @property
    def name_da(self):
        return self._text(0)

    @property
    def how_en(self):
        return self._text(1)

    @property
    def how_da(self):
        return self._text(2)

    def __repr__(self):
        return "Exercise(%r)" % self.key


_BREATH_S = 4  # one calm breath, s: "3-4 breaths" is held for about 12-16 s

EXERCISES = (
    Exercise(
        "corset_supine",
        1,
        HOLD,
        SUPINE,
        AXES,
        {FLEXION: 3.0, LATERAL: 4.0, ROTATION: 4.0},
        "Find the corset, lying on your back",
        hold_s=(3 * _BREATH_S, 4 * _BREATH_S),
        holds=10,
        hold_in_place=True,
    ),
    Exercise(
        "corset_standing_arm",
        2,
        REPS,
        STANDING,
        (FLEXION, ROTATION),
        {FLEXION: 4.0, ROTATION: 5.0},
        "Find the corset, standing with an arm raise",
        reps=(15, 20),
        sides=ALTERNATE,
    ),
    Exercise(
        "rock_back",
        3,
        REPS,
        QUADRUPED,
        (FLEXION,),
        {FLEXION: 5.0},
        "Rock back on all fours",
        reps=(15, 20),
    ),
    Exercise(
        "seated_knee_extension",
        4,
        REPS,
        SITTING,
        (FLEXION,),
        {FLEXION: 5.0},
        "Straighten the knee, sitting tall",
        reps=(15, 20),
        sides=ALTERNATE,
    ),
    Exercise(
        "wall_flatten",
        5,
        HOLD,
        STANDING,
        (FLEXION,),
        {FLEXION: 4.0},
        "Flatten the low back against a wall",
        hold_s=(15, 20),
        holds=1,
    ),
    Exercise(
        "upper_back_extension",
        6,
        REPS,
        STANDING,
        (FLEXION,),
        {FLEXION: 5.0},
        "Bend back in the upper back only",
        reps=(15, 20),
    ),
    Exercise(
        "prone_leg_lift",
        7,
        REPS,
        PRONE,
        (FLEXION, ROTATION),
        {FLEXION: 4.0, ROTATION: 5.0},
        "Lift a leg, lying on your front",
        reps=(15, 20),
        sides=ALTERNATE,
    ),
    Exercise(
        "supine_leg_fall_out",
        8,
        REPS,
        SUPINE,
        (ROTATION, LATERAL),
        {ROTATION: 4.0, LATERAL: 5.0},
        "Let a knee fall out, lying on your back",
        reps=(15, 20),
        sides=ALTERNATE,
    ),
    Exercise(
        "side_lying_clam",
        9,
        REPS,
        SIDE_LYING,
        (ROTATION,),
        {ROTATION: 4.0},
        "Open the top knee, lying on your side",
        reps=(15, 20),
    ),
    Exercise(REPS, None, REPS, ANY, (), {}, "Any repeated movement", reps=(15, 20)),
    Exercise(
        HOLD,
        None,
        HOLD,
        ANY,
        AXES,
        {FLEXION: 5.0, LATERAL: 5.0, ROTATION: 5.0},
        "Any held position",
        hold_s=(15, 20),
        holds=1,
    ),
)


def get(key_or_number):
    """The exercise with this catalogue number (1-9, int or digit string) or key."""
    for ex in EXERCISES:
        if ex.key == key_or_number or (
            ex.number is not None
            and (ex.number == key_or_number or str(ex.number) == key_or_number)
        ):
            return ex
    raise KeyError("no exercise %r in the catalogue" % (key_or_number,))
