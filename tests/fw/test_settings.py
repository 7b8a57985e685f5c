from korsetfw import settings


def test_defaults():
    s = settings.Settings()
    assert s.rate_hz == 104 and s.stream is False and s.problems == []


def test_bad_values_fall_back_to_defaults_and_are_reported():
    s = settings.Settings({"rate_hz": 100, "stream": 1, "bogus": True, "accel_fs_g": 8})
    assert s.rate_hz == 104 and s.stream is False and s.accel_fs_g == 8
    assert len(s.problems) == 3


def test_corrupt_file_gives_defaults(tmp="_settings_test.json"):
    with open(tmp, "w") as f:
        f.write("{not json")
    s = settings.load(tmp)
    assert s.rate_hz == 104 and "not valid JSON" in s.problems[0]
    with open(tmp, "w") as f:
        f.write("[1, 2]")
    assert "not a JSON object" in settings.load(tmp).problems[0]
    import os

    os.remove(tmp)
    assert settings.load(tmp).problems == []
