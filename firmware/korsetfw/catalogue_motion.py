"""The catalogue's facts about how an exercise moves that only the host's analysis uses.

Host-only (``korsetfw.HOST_ONLY``: not put on boards, whose RAM they would take
for nothing: the board judges every exercise against its tolerances alone).
The host's analysis looks them up here by the exercise's key.

``HELD_WAYS``: for a hold that moves into a position, the axis it moves along
and which way (+1: towards positive degrees of that catalogue axis). Both of
the leaflet's holds tilt the pelvis back (a posterior pelvic tilt: drawing the
lower belly in, exercise 1, tilts it a little; flattening the low back against
a wall, exercise 5, a lot). The sensor on the lower back turns with the pelvis:
its up axis tips backwards, a negative turn about the body's left axis, which is
the catalogue's flexion axis (positive: bending forward). The pelvis tilting
back flattens the lumbar curve (anatomically a lumbar flexion), but the sensor
reads the pelvis's turn, so the way is -1. Real recordings agree: sitting, which
tilts the pelvis back, tips gravity towards the sensor's anterior axis (UCI
HAPT, tests/data/real/hapt, 6-39 degrees from standing). Holds not listed (the
generic hold, custom ones) may go any way: the analysis learns the way from the
set.
"""

from korsetfw.catalogue import FLEXION

HELD_WAYS = {
    "corset_supine": (FLEXION, -1),
    "wall_flatten": (FLEXION, -1),
}
