import array

from fwtest import approx, raises
from imuharness import ConstantSource, RampSource, rig
from lsm6dsox_model import FIFO_WORDS, STANDARD_GRAVITY

from korsetfw.lsm6dsox import LSM6DSOX


def _read_all(imu, clock, seconds, out=None):
    """Advance the clock in 10 ms steps, collecting every sample read."""
    got = []
    buf = array.array("h", bytes(2 * 6 * imu.batch))
    for _ in range(int(seconds * 100)):
        clock.advance_us(10000)
        n = imu.read(buf)
        for i in range(n):
            got.append(tuple(buf[6 * i: 6 * i + 6]))
    return got


def test_identity_is_checked():
    clock, bus, chip = rig()
    chip.regs[0x0F] = 0x6A  # an LSM6DS3TR-C answering
    with raises(OSError, "0x6a") as r:
        LSM6DSOX(bus)
    assert "LSM6DSOX" in str(r.value)


def test_missing_chip_is_an_oserror_naming_the_address():
    clock, bus, chip = rig(address=0x6B)
    with raises(OSError, "0x6a"):
        LSM6DSOX(bus, address=0x6A)


def test_unsupported_settings_are_value_errors():
    clock, bus, chip = rig()
    with raises(ValueError, "rate"):
        LSM6DSOX(bus, rate_hz=100)
    with raises(ValueError, "accelerometer"):
        LSM6DSOX(bus, accel_fs_g=3)
    with raises(ValueError, "gyroscope"):
        LSM6DSOX(bus, gyro_fs_dps=300)


def test_configuration_registers_follow_the_datasheet():
    clock, bus, chip = rig()
    LSM6DSOX(bus, rate_hz=52, accel_fs_g=8, gyro_fs_dps=1000)
    assert chip.regs[0x10] == 0x3C  # ODR_XL=0011 (52 Hz), FS_XL=11 (8 g)
    assert chip.regs[0x11] == 0x38  # ODR_G=0011, FS_G=10 (1000 dps)
    assert chip.regs[0x09] == 0x33  # BDR_GY=BDR_XL=52 Hz
    assert chip.regs[0x0A] & 0x07 == 0x06  # continuous mode
    assert chip.regs[0x12] & 0x44 == 0x44  # BDU and IF_INC


def test_scaling_of_gravity_and_rate_in_every_range():
    for fs_g, ug in ((2, 61), (4, 122), (8, 244), (16, 488)):
        for fs_dps, udps in ((125, 4375), (250, 8750), (500, 17500), (2000, 70000)):
            clock, bus, chip = rig(ConstantSource((0.0, -STANDARD_GRAVITY / 2, STANDARD_GRAVITY),
                                                  (0.5, 0.0, -0.25)))
            imu = LSM6DSOX(bus, rate_hz=104, accel_fs_g=fs_g, gyro_fs_dps=fs_dps)
            assert imu.accel_g_per_lsb == ug * 1e-6 and imu.gyro_dps_per_lsb == udps * 1e-6
            s = _read_all(imu, clock, 0.1)[-1]
            g = [c * ug * 1e-6 for c in s[:3]]
            dps = [c * udps * 1e-6 for c in s[3:]]
            assert approx(g[0], 0.0, 1e-3) and approx(g[1], -0.5, 1e-3)
            assert approx(g[2], 1.0, 1e-3) or fs_g < 1
            # 0.5 rad/s = 28.648 dps; -0.25 rad/s = -14.324 dps (125 dps range holds both)
            assert approx(dps[0], 28.648, udps * 1e-6) and approx(dps[2], -14.324, udps * 1e-6)


def test_saturates_at_full_scale():
    clock, bus, chip = rig(ConstantSource((0.0, 0.0, 3 * STANDARD_GRAVITY), (0.0, 0.0, 0.0)))
    imu = LSM6DSOX(bus, accel_fs_g=2)
    assert _read_all(imu, clock, 0.05)[-1][2] == 32767


def test_sample_count_and_order_follow_the_rate():
    for rate in (26, 52, 104, 208):
        clock, bus, chip = rig(RampSource())
        imu = LSM6DSOX(bus, rate_hz=rate, batch=8)
        t0_us = clock.now_us()  # sampling starts when configured
        got = _read_all(imu, clock, 2.0)
        # Bus transfers take time too, so the clock ran a little over 2 s.
        expected = (clock.now_us() - t0_us) * rate // 1000000
        assert abs(len(got) - expected) <= 2, (rate, len(got), expected)
        assert clock.now_us() - t0_us < 2300000
        # ax ramps up by 2 m/s^2 per s: strictly increasing, no sample lost or repeated
        ax = [s[0] for s in got]
        assert all(b > a for a, b in zip(ax, ax[1:]))
        step_counts = 2.0 / rate / (122e-6 * STANDARD_GRAVITY)
        assert approx(ax[1] - ax[0], step_counts, 1.5)


def test_little_endian_bytes_in_fifo_words():
    clock, bus, chip = rig(ConstantSource((0.0, 0.0, 0.0), (0.0, 0.0, 0.0)))
    LSM6DSOX(bus)
    chip.source.values[0] = 1000 * 122e-6 * STANDARD_GRAVITY  # 1000 counts = 0x03E8
    chip._chunk_first = -(1 << 30)  # re-synthesise with the new pose
    clock.advance_us(20000)
    word = bytearray(7)
    bus.readfrom_mem_into(0x6A, 0x78, word)
    if word[0] >> 3 == 0x01:  # a gyroscope word first: take the next one
        bus.readfrom_mem_into(0x6A, 0x78, word)
    assert word[0] >> 3 == 0x02
    assert word[1] == 0xE8 and word[2] == 0x03


def test_fifo_overrun_is_counted_and_newest_data_kept():
    clock, bus, chip = rig(RampSource())
    imu = LSM6DSOX(bus, rate_hz=104)
    clock.advance_us(10 * 1000000)  # 10 s unread: far more than the FIFO holds
    buf = array.array("h", bytes(2 * 6 * imu.batch))
    n = imu.read(buf)
    assert imu.overruns == 1 and n == imu.batch
    assert chip.words_dropped >= 2 * 1040 - FIFO_WORDS - 2
    # What is left is the newest FIFO_WORDS words: about 2.5 s before "now".
    t_first = (buf[0] * 122e-6 * STANDARD_GRAVITY - 1.0) / 2.0
    assert approx(t_first, 10.0 - FIFO_WORDS / 2 / 104.0, 0.05), t_first


def test_bus_error_is_counted_and_nothing_is_lost():
    clock, bus, chip = rig(RampSource())
    imu = LSM6DSOX(bus, batch=32)
    buf = array.array("h", bytes(2 * 6 * imu.batch))
    clock.advance_us(100000)
    bus.fail_transfers = set([bus.transfers + 1, bus.transfers + 4])
    total = 0
    for _ in range(6):
        total += imu.read(buf)
    assert imu.bus_errors == 2
    assert abs(total - 10) <= 1  # 100 ms at 104 Hz, all of it recovered


def test_software_reset_empties_fifo():
    clock, bus, chip = rig()
    LSM6DSOX(bus)
    clock.advance_us(100000)
    status = bytearray(2)
    bus.readfrom_mem_into(0x6A, 0x3A, status)
    assert status[0] > 0
    bus.writeto_mem(0x6A, 0x12, bytearray([0x01]))
    bus.readfrom_mem_into(0x6A, 0x3A, status)
    assert status[0] == 0 and status[1] & 0x03 == 0
