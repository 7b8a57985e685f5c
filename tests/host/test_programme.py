import pytest

from korset.programme import ProgrammeError, load
from korsetfw import catalogue as cat

GOOD = """\
patient = "A. Jensen"

[[exercise]]
key = "bridge"
name = "Bridge"
name_da = "Bækkenløft"
kind = "reps"
posture = "supine"
axes = ["rotation", "lateral"]
tolerance_deg = {rotation = 4.0, lateral = 6}
reps = [10, 12]
sides = "alternate"

[[exercise]]
key = "plank"
name = "Plank"
kind = "hold"
posture = "prone"
axes = ["flexion"]
tolerance_deg = 3
hold_s = 30
holds = 3

[[set]]
exercise = 3
tolerance_deg = 6.5
reps = 15

[[set]]
exercise = "bridge"

[[set]]
exercise = "plank"
hold_s = [20, 25]

[[set]]
exercise = "hold"
"""


def test_a_full_programme(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text(GOOD)
    p = load(path)
    assert p.patient == "A. Jensen"
    bridge, plank = p.exercises
    assert bridge.kind == cat.REPS and bridge.tolerance_deg == {"rotation": 4.0, "lateral": 6.0}
    assert bridge.reps == (10, 12) and bridge.sides == cat.ALTERNATE
    assert bridge.key == "bridge" and bridge.name_da == "Bækkenløft"
    assert plank.hold_s == (30.0, 30.0) and plank.holds == 3
    first, second, third, fourth = p.sets
    assert first.exercise is cat.get(3) and first.tolerance_deg == {"flexion": 6.5}
    assert first.reps == (15, 15)
    assert second.exercise is bridge and second.reps == (10, 12)
    assert third.hold_s == (20.0, 25.0) and third.holds == 3
    assert fourth.exercise.kind == cat.HOLD


@pytest.mark.parametrize("change, line, words", [
    ('posture = "supine"', 8, "posture 'upside_down'"),
    ('reps = [10, 12]', 11, "reps [12, 10]"),
    ('tolerance_deg = 3\n', 20, "must be 0.5-30.0 degrees"),
    ('exercise = "bridge"', 30, "neither in the catalogue"),
    ('hold_s = [20, 25]', 34, "hold_s [20, -1]"),
    ('reps = 15', 27, "reps 15.5"),
    ('axes = ["rotation", "lateral"]', 9, "axes ['twist']"),
])
def test_errors_name_the_line(tmp_path, change, line, words):
    replacement = {
        'posture = "supine"': 'posture = "upside_down"',
        'reps = [10, 12]': 'reps = [12, 10]',
        'tolerance_deg = 3\n': 'tolerance_deg = 45\n',
        'exercise = "bridge"': 'exercise = "bridges"',
        'hold_s = [20, 25]': 'hold_s = [20, -1]',
        'reps = 15': 'reps = 15.5',
        'axes = ["rotation", "lateral"]': 'axes = ["twist"]',
    }[change]
    path = tmp_path / "p.toml"
    path.write_text(GOOD.replace(change, replacement, 1))
    with pytest.raises(ProgrammeError) as e:
        load(path)
    assert f"{path}:{line}: " in str(e.value) and words in str(e.value), str(e.value)


def test_several_problems_are_all_reported(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text('[[set]]\nexercise = 12\ncolour = "red"\n[[exercise]]\nkey = "x"\n')
    with pytest.raises(ProgrammeError) as e:
        load(path)
    text = str(e.value)
    assert f"{path}:2: exercise 12" in text and f"{path}:3: unknown key 'colour'" in text
    assert f"{path}:4: [[exercise]] lacks 'name'" in text


def test_syntax_errors_and_custom_key_clash(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text("[[set]\nexercise = 1\n")
    with pytest.raises(ProgrammeError, match="not valid TOML.*line 1"):
        load(path)
    path.write_text('[[exercise]]\nkey = "rock_back"\nname = "X"\nkind = "reps"\n'
                    'posture = "any"\naxes = []\n')
    with pytest.raises(ProgrammeError, match=r":2: key 'rock_back' is already taken"):
        load(path)
    with pytest.raises(ProgrammeError, match="cannot read"):
        load(tmp_path / "missing.toml")
