from korsetfw import settings


def test_defaults():
    s = settings.Settings()
    assert s.rate_hz == 104 and s.stream is False and s.problems == []


def test_bad_values_fall_back_to_defaults_and_are_reported():
    s = settings.Settings({"rate_hz": 99, "stream": 1, "bogus": True, "accel_fs_g": 8})
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


def test_chip_neutral_rates_and_ranges_become_the_chips_own():
    from korsetfw import imu

    lsm = imu.driver_class("lsm6dsox")
    mpu = imu.driver_class("mpu6886")
    assert imu.nearest_rate(lsm.RATES_HZ, 104) == 104
    assert imu.nearest_rate(mpu.RATES_HZ, 104) == 100
    assert imu.nearest_rate(mpu.RATES_HZ, 52) == 50
    assert imu.range_at_least(mpu.GYRO_RANGES_DPS, 125) == 250
    assert imu.range_at_least(lsm.GYRO_RANGES_DPS, 125) == 125
    assert imu.range_at_least(lsm.ACCEL_RANGES_G, 32) == 16
    for rate in settings.FIELDS["rate_hz"][1]:
        for cls in (lsm, mpu):
            assert abs(imu.nearest_rate(cls.RATES_HZ, rate) - rate) <= 0.04 * rate


def test_the_values_a_board_keeps_are_the_settings_and_save_as_they_do(tmp="_values_test.json"):
    s = settings.Settings({"rate_hz": 52, "exercise": 3, "tolerance_deg": 4.5, "bogus": 1})
    v = settings.values(s)
    for name in settings.FIELDS:
        assert getattr(v, name) == getattr(s, name)
    assert v.problems == s.problems and len(v.problems) == 1
    v.exercise = 5  # App.configure changes it, then saves
    try:
        settings.save(v, tmp)
        again = settings.load(tmp)
    finally:
        import os

        for slot in (".a", ".b"):  # atomicfile's two record slots
            try:
                os.remove(tmp + slot + "/rec")
            except OSError:
                pass
            try:
                os.rmdir(tmp + slot)
            except OSError:
                pass
    assert again.exercise == 5 and again.rate_hz == 52 and again.tolerance_deg == 4.5
    assert again.problems == []
