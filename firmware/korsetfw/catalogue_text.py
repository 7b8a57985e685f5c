"""The catalogue's texts a person reads: Danish names and the instructions in both languages.

Host-only (``korsetfw.HOST_ONLY``: not put on boards, whose RAM they would take
for nothing: the board prints only the English name). ``catalogue.Exercise``
looks them up here by key when the host asks. The leaflet is "Sådan træner du,
når du skal styrke ryggen" (Fysio- og Ergoterapi, Farsø, Rygambulatoriet);
these are our own words, faithful to it.
"""

# key -> (Danish name, how to do it in English, in Danish)
TEXTS = {
    "corset_supine": (
        "Find korsettet, liggende på ryggen",
        "Lie on your back with knees bent, one hand above and one below the navel. "
        "Breathe in, breathe out, then draw the lower belly in without the upper hand"
        " moving. Hold while breathing calmly for 3-4 breaths, then relax. If the "
        "muscle is hard to find, squeeze the pelvic floor first.",
        "Lig på ryggen med bøjede ben, én hånd over og én under navlen. Træk vejret "
        "ind og pust ud, og træk så den nederste del af maven ind, uden at den "
        "øverste hånd bevæger sig. Hold spændingen, mens du trækker vejret roligt 3-4 "
        "gange, og slap af. Er musklen svær at finde, så spænd bækkenbunden først.",
    ),
    "corset_standing_arm": (
        "Find korsettet, stående med armløft",
        "Stand with feet slightly apart and feel the muscle low in your back with one"
        " hand. Raise the other arm forward: the muscle should press against your "
        "hand. Keep that tension while you lower the arm and breathe normally.",
        "Stå med let spredte ben og mærk med den ene hånd musklen lavt i lænden. Før "
        "den anden arm frem: musklen skal gerne skubbe mod hånden. Hold spændingen, "
        "mens du sænker armen og trækker vejret normalt.",
    ),
    "rock_back": (
        "Vip bagud på alle fire",
        "On hands and knees with a straight back, move your seat backwards without "
        "the back moving. Stop as soon as the back starts to round or it hurts, and "
        "come forward again.",
        "Stå på alle fire med lige ryg, og før bagdelen bagud, uden at ryggen bevæger"
        " sig. Stop, så snart ryggen begynder at runde, eller det gør ondt, og kom "
        "frem igen.",
    ),
    "seated_knee_extension": (
        "Stræk knæet, siddende med ret ryg",
        "Sit with a straight back. Straighten one knee while the back stays straight,"
        " without bracing the back hard, then lower the foot.",
        "Sid med ret ryg. Stræk det ene knæ, mens ryggen forbliver ret, uden at "
        "spænde hårdt op i ryggen, og sænk så foden igen.",
    ),
    "wall_flatten": (
        "Pres lænden ind mod væggen",
        "Stand with your back to a wall, feet a little away from it. Tilt the pelvis "
        "so that the low back flattens and touches the wall, and hold that position.",
        "Stå med ryggen mod en væg og fødderne lidt ud fra den. Vip bækkenet, så "
        "lænden bliver flad og rører væggen, og hold stillingen.",
    ),
    "upper_back_extension": (
        "Bøj bagover i den øvre ryg",
        "Stand with feet slightly apart. Bend backwards in the upper back while the "
        "low back stays still. Stop when you feel movement or pain in the low back.",
        "Stå med let adskilte fødder. Bøj bagover i den øverste del af ryggen, mens "
        "lænden holdes i ro. Stop, når du mærker bevægelse eller smerte i lænden.",
    ),
    "prone_leg_lift": (
        "Løft benet, liggende på maven",
        "Lie on your front with a couple of pillows under the belly. Tighten the "
        "pelvic floor and the deep belly muscle, then lift one leg very slightly "
        "without arching the back. Stop when you feel the low back move or it hurts.",
        "Lig på maven med et par puder under maven. Spænd bækkenbunden og den dybe "
        "mavemuskel, og løft det ene ben ganske lidt, uden at svaje i ryggen. Stop, "
        "når du mærker bevægelse i lænden, eller det gør ondt.",
    ),
    "supine_leg_fall_out": (
        "Før knæet ud til siden, liggende",
        "Lie on your back with knees bent. Tighten the pelvic floor and the deep "
        "belly muscle. Let one knee fall out to the side without the other side of "
        "the pelvis lifting and without pain. A hand on the pelvis helps you feel it.",
        "Lig på ryggen med bøjede knæ. Spænd bækkenbunden og den dybe mavemuskel. Før"
        " det ene knæ ud til siden, uden at den anden side af bækkenet løfter sig, og"
        " uden smerte. En hånd på bækkenet hjælper dig med at mærke det.",
    ),
    "side_lying_clam": (
        "Løft det øverste knæ, sideliggende",
        "Lie on your side with knees bent, head, back and feet in line. Tighten the "
        "pelvic floor and the deep belly muscle. Keep the feet together and lift the "
        "top knee away from the bottom one without twisting the back. Stop at "
        "movement or pain.",
        "Lig på siden med bøjede ben, så hoved, ryg og fødder er på linje. Spænd "
        "bækkenbunden og den dybe mavemuskel. Hold fødderne samlet, og løft det "
        "øverste knæ fra det nederste, uden at dreje i ryggen. Stop ved bevægelse "
        "eller smerte.",
    ),
    "reps": (
        "Enhver gentaget bevægelse",
        "Any repeated movement of the lower back, such as sit-to-stand, squats or "
        "bridges. Repetitions are counted; no axis is held still unless a tolerance "
        "is set.",
        "Enhver gentaget bevægelse af lænden, fx rejse-sætte-sig, squat eller "
        "bækkenløft. Gentagelserne tælles; ingen akse skal holdes i ro, medmindre der"
        " er sat en tolerance.",
    ),
    "hold": (
        "Enhver fastholdt stilling",
        "Hold any position still; the hold is timed and movement past the tolerance is signalled.",
        "Hold en vilkårlig stilling i ro; det måles, hvor længe du holder stillingen, og "
        "bevægelse ud over tolerancen signaleres.",
    ),
}
