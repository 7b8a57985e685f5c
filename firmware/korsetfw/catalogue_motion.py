"""The catalogue's facts about how an exercise moves that only the host's analysis uses.

Host-only (``korsetfw.HOST_ONLY``: not put on boards, whose RAM they would take
for nothing: the board judges every exercise against its tolerances alone).
``catalogue.Exercise.held_way`` looks them up here by key.

``HELD_WAYS``: for a hold that moves into a position, the axis it moves along
and which way (+1: towards positive degrees of that catalogue axis). Both of
the leaflet's holds tilt the pelvis back (a posterior pelvic tilt: drawing the
lower belly in, exercise 1, tilts it a little; flattening the low back against
a wall, exercise 5, a lot), which flexes the lumbar spine: positive flexion in
the catalogue's convention (flexion/extension about the body y axis, flexion
positive). Holds not listed (the generic hold, custom ones) may go any way: the
analysis learns the way from the set.
"""

from korsetfw.catalogue import FLEXION

HELD_WAYS = {
    "corset_supine": (FLEXION, 1),
    "wall_flatten": (FLEXION, 1),
}
