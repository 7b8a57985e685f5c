"""The exercise catalogue: the leaflet's nine exercises and two generic kinds, as data.

One definition for the firmware and the host. The leaflet is "Sådan træner du,
når du skal styrke ryggen" (Fysio- og Ergoterapi, Farsø, Rygambulatoriet);
the instructions below are our own words, faithful to it.

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

# Sides: whether repetitions alternate between left and right.
ONE_SIDE = "one"
ALTERNATE = "alternate"


class Exercise:
    """One exercise. ``key`` is the name a programme file uses; ``number`` is the
    leaflet's (None for generic and custom exercises)."""

    def __init__(self, key, number, kind, posture, axes, tolerance_deg, name_en, name_da,
                 how_en, how_da, reps=None, hold_s=None, holds=None, sides=ONE_SIDE,
                 hold_in_place=False):
        self.key = key
        self.number = number
        self.kind = kind
        self.posture = posture
        self.axes = axes  # tuple of AXES that must stay still
        self.tolerance_deg = tolerance_deg  # {axis: degrees} for each of axes
        self.name_en = name_en
        self.name_da = name_da
        self.how_en = how_en
        self.how_da = how_da
        self.reps = reps  # (min, max) repetitions, for REPS
        self.hold_s = hold_s  # (min, max) seconds per hold, for HOLD
        self.holds = holds  # number of holds in a set, for HOLD
        self.sides = sides
        # For holds: True when the hold is stillness in the starting posture
        # (exercise 1: the lower back must not move at all, so it is judged
        # against the set's reference throughout); False when the patient
        # moves into a held position (exercise 5's pelvic tilt), which is
        # then judged against the position held.
        self.hold_in_place = hold_in_place

    def __repr__(self):
        return "Exercise(%r)" % self.key


_BREATH_S = 4  # one calm breath, s: "3-4 breaths" is held for about 12-16 s

EXERCISES = (
    Exercise(
        "corset_supine", 1, HOLD, SUPINE, (FLEXION, LATERAL, ROTATION),
        {FLEXION: 3.0, LATERAL: 4.0, ROTATION: 4.0},
        "Find the corset, lying on your back", "Find korsettet, liggende på ryggen",
        "Lie on your back with knees bent, one hand above and one below the navel. "
        "Breathe in, breathe out, then draw the lower belly in without the upper hand "
        "moving. Hold while breathing calmly for 3-4 breaths, then relax. If the muscle is "
        "hard to find, squeeze the pelvic floor first.",
        "Lig på ryggen med bøjede ben, én hånd over og én under navlen. Træk vejret ind og "
        "pust ud, og træk så den nederste del af maven ind, uden at den øverste hånd "
        "bevæger sig. Hold, mens du trækker vejret roligt 3-4 gange, og slap af. Er musklen "
        "svær at finde, så spænd bækkenbunden først.",
        hold_s=(3 * _BREATH_S, 4 * _BREATH_S), holds=10, hold_in_place=True),
    Exercise(
        "corset_standing_arm", 2, REPS, STANDING, (FLEXION, ROTATION),
        {FLEXION: 4.0, ROTATION: 5.0},
        "Find the corset, standing with an arm raise", "Find korsettet, stående med armløft",
        "Stand with feet slightly apart and feel the muscle low in your back with one hand. "
        "Raise the other arm forward: the muscle should press against your hand. Keep that "
        "tension while you lower the arm and breathe normally.",
        "Stå med let spredte ben og mærk med den ene hånd musklen lavt i lænden. Før den "
        "anden arm frem: musklen skal gerne skubbe mod hånden. Hold spændingen, mens du "
        "sænker armen og trækker vejret normalt.",
        reps=(15, 20), sides=ALTERNATE),
    Exercise(
        "rock_back", 3, REPS, QUADRUPED, (FLEXION,), {FLEXION: 5.0},
        "Rock back on all fours", "Vip bagud på alle fire",
        "On hands and knees with a straight back, move your seat backwards without the "
        "back moving. Stop as soon as the back starts to round or it hurts, and come "
        "forward again.",
        "Stå på alle fire med lige ryg, og før bagdelen bagud, uden at ryggen bevæger sig. "
        "Stop, så snart ryggen begynder at runde, eller det gør ondt, og kom frem igen.",
        reps=(15, 20)),
    Exercise(
        "seated_knee_extension", 4, REPS, SITTING, (FLEXION,), {FLEXION: 5.0},
        "Straighten the knee, sitting tall", "Stræk knæet, siddende med ret ryg",
        "Sit with a straight back. Straighten one knee while the back stays straight, "
        "without bracing the back hard, then lower the foot.",
        "Sid med ret ryg. Stræk det ene knæ, mens ryggen forbliver ret, uden at spænde "
        "hårdt op i ryggen, og sænk så foden igen.",
        reps=(15, 20), sides=ALTERNATE),
    Exercise(
        "wall_flatten", 5, HOLD, STANDING, (FLEXION,), {FLEXION: 4.0},
        "Flatten the low back against a wall", "Pres lænden ind mod væggen",
        "Stand with your back to a wall, feet a little away from it. Tilt the pelvis so "
        "that the low back flattens and touches the wall, and hold that position.",
        "Stå med ryggen mod en væg og fødderne lidt ud fra den. Vip bækkenet, så lænden "
        "bliver flad og rører væggen, og hold stillingen.",
        hold_s=(15, 20), holds=1),
    Exercise(
        "upper_back_extension", 6, REPS, STANDING, (FLEXION,), {FLEXION: 5.0},
        "Bend back in the upper back only", "Bøj bagover i den øvre ryg",
        "Stand with feet slightly apart. Bend backwards in the upper back while the low "
        "back stays still. Stop when you feel movement or pain in the low back.",
        "Stå med let adskilte fødder. Bøj bagover i den øverste del af ryggen, mens "
        "lænden holdes i ro. Stop, når du mærker bevægelse eller smerte i lænden.",
        reps=(15, 20)),
    Exercise(
        "prone_leg_lift", 7, REPS, PRONE, (FLEXION, ROTATION),
        {FLEXION: 4.0, ROTATION: 5.0},
        "Lift a leg, lying on your front", "Løft benet, liggende på maven",
        "Lie on your front with a couple of pillows under the belly. Tighten the pelvic "
        "floor and the deep belly muscle, then lift one leg very slightly without arching "
        "the back. Stop when you feel the low back move or it hurts.",
        "Lig på maven med et par puder under maven. Spænd bækkenbunden og den dybe "
        "mavemuskel, og løft det ene ben ganske lidt, uden at svaje i ryggen. Stop, når du "
        "mærker bevægelse i lænden, eller det gør ondt.",
        reps=(15, 20), sides=ALTERNATE),
    Exercise(
        "supine_leg_fall_out", 8, REPS, SUPINE, (ROTATION, LATERAL),
        {ROTATION: 4.0, LATERAL: 5.0},
        "Let a knee fall out, lying on your back", "Før knæet ud til siden, liggende",
        "Lie on your back with knees bent. Tighten the pelvic floor and the deep belly "
        "muscle. Let one knee fall out to the side without the other side of the pelvis "
        "lifting and without pain. A hand on the pelvis helps you feel it.",
        "Lig på ryggen med bøjede knæ. Spænd bækkenbunden og den dybe mavemuskel. Før det "
        "ene knæ ud til siden, uden at den anden side af bækkenet løfter sig, og uden "
        "smerte. En hånd på bækkenet hjælper dig med at mærke det.",
        reps=(15, 20), sides=ALTERNATE),
    Exercise(
        "side_lying_clam", 9, REPS, SIDE_LYING, (ROTATION,), {ROTATION: 4.0},
        "Open the top knee, lying on your side", "Løft det øverste knæ, sideliggende",
        "Lie on your side with knees bent, head, back and feet in line. Tighten the pelvic "
        "floor and the deep belly muscle. Keep the feet together and lift the top knee away "
        "from the bottom one without twisting the back. Stop at movement or pain.",
        "Lig på siden med bøjede ben, så hoved, ryg og fødder er på linje. Spænd "
        "bækkenbunden og den dybe mavemuskel. Hold fødderne samlet, og løft det øverste knæ "
        "fra det nederste, uden at dreje i ryggen. Stop ved bevægelse eller smerte.",
        reps=(15, 20)),
    Exercise(
        REPS, None, REPS, ANY, (), {},
        "Any repeated movement", "Enhver gentaget bevægelse",
        "Any repeated movement of the lower back, such as sit-to-stand, squats or bridges. "
        "Repetitions are counted; no axis is held still unless a tolerance is set.",
        "Enhver gentaget bevægelse af lænden, fx rejse-sætte-sig, squat eller bækkenløft. "
        "Gentagelserne tælles; ingen akse skal holdes i ro, medmindre der er sat en "
        "tolerance.",
        reps=(15, 20)),
    Exercise(
        HOLD, None, HOLD, ANY, AXES, {FLEXION: 5.0, LATERAL: 5.0, ROTATION: 5.0},
        "Any held position", "Enhver holdt stilling",
        "Hold any position still; the hold is timed and movement past the tolerance is "
        "signalled.",
        "Hold en vilkårlig stilling i ro; holdet tages tid på, og bevægelse ud over "
        "tolerancen signaleres.",
        hold_s=(15, 20), holds=1),
)


def get(key_or_number):
    """The exercise with this catalogue number (1-9, int or digit string) or key."""
    for ex in EXERCISES:
        if ex.key == key_or_number or (ex.number is not None and (
                ex.number == key_or_number or str(ex.number) == key_or_number)):
            return ex
    raise KeyError("no exercise %r in the catalogue" % (key_or_number,))
