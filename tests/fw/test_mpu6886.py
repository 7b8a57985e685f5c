"""MPU-6886 and MPU-6050 driver against their register models; every test covers both chips."""

import array

from fwtest import approx, is_micropython, raises, skip
from imuharness import ConstantSource, RampSource, rig
from mpu6886_model import FIFO_BYTES, STANDARD_GRAVITY, MPU6050Model, MPU6886Model

from korsetfw import boarddef, imu
from korsetfw.lsm6dsox import LSM6DSOX
from korsetfw.mpu6886 import MPU6050, MPU6886

DEG_PER_RAD = 57.29577951308232

# driver, model, bytes per FIFO packet, offset of the gyroscope in a packet,
# WHO_AM_I, PWR_MGMT_1 after reset
CHIPS = (
    (MPU6886, MPU6886Model, 14, 8, 0x19, 0x41),
    (MPU6050, MPU6050Model, 12, 6, 0x68, 0x40),
)
LSB_PER_G = {2: 16384, 4: 8192, 8: 4096, 16: 2048}
LSB_PER_DPS = {250: 131.0, 500: 65.5, 1000: 32.8, 2000: 16.4}


def _rig(model_cls, source=None, address=0x68):
    return rig(source if source is not None else ConstantSource(), address, model_cls=model_cls)


def _read_all(imu_, clock, seconds, step_us=10000):
    """Advance the clock in steps, collecting every sample read."""
    got = []
    buf = array.array("h", bytes(2 * 6 * imu_.batch))
    for _ in range(int(seconds * 1000000 // step_us)):
        clock.advance_us(step_us)
        n = imu_.read(buf)
        for i in range(n):
            got.append(tuple(buf[6 * i: 6 * i + 6]))
    return got


def _ramp_t(ax_counts, fs_g=4):
    """RampSource's ax is 1 + 2 t m/s^2: the time a sample was taken, from its count."""
    return (ax_counts / LSB_PER_G[fs_g] * STANDARD_GRAVITY - 1.0) / 2.0


def _s16(hi, lo):
    v = (hi << 8) | lo
    return v - 0x10000 if v & 0x8000 else v


def test_identity_is_checked():
    for drv, model, _, _, who, _ in CHIPS:
        clock, bus, chip = _rig(model)
        chip.regs[0x75] = 0x70  # an MPU-6500 answering
        with raises(OSError, "reads 0x70") as r:
            drv(bus)
        assert drv.NAME in str(r.value) and ("0x%02x" % who) in str(r.value)
    # The other family member answering: named, so that the board file can be fixed.
    clock, bus, chip = _rig(MPU6050Model)
    with raises(OSError, "reads 0x68") as r:
        MPU6886(bus)
    assert "MPU-6886" in str(r.value) and "that is an MPU-6050" in str(r.value)
    clock, bus, chip = _rig(MPU6886Model)
    with raises(OSError, "reads 0x19") as r:
        MPU6050(bus)
    assert "MPU-6050" in str(r.value) and "that is an MPU-6886" in str(r.value)


def test_missing_chip_is_an_oserror_naming_the_address():
    for drv, model, _, _, _, _ in CHIPS:
        clock, bus, chip = _rig(model, address=0x69)
        with raises(OSError, "0x68") as r:
            drv(bus, address=0x68)
        assert drv.NAME in str(r.value) and "no answer" in str(r.value)
        drv(bus, address=0x69)  # AD0 high: found there


def test_unsupported_settings_are_value_errors():
    for drv, model, _, _, _, _ in CHIPS:
        assert drv.RATES_HZ == (25, 50, 100, 200)
        clock, bus, chip = _rig(model)
        with raises(ValueError, "rate"):
            drv(bus, rate_hz=104)  # the LSM6DSOX's rate: 1 kHz / (1 + n) cannot make it
        with raises(ValueError, "accelerometer"):
            drv(bus, accel_fs_g=3)
        with raises(ValueError, "gyroscope"):
            drv(bus, gyro_fs_dps=125)  # the LSM6DSOX has 125 dps; these chips do not
    assert LSM6DSOX.RATES_HZ == (26, 52, 104, 208, 416, 833)


def test_drivers_are_registered_by_model_name():
    clock, bus, chip = _rig(MPU6886Model)
    dev = imu.open_imu(bus, {"model": "mpu6886", "address": 0x68}, 50, 8, 1000)
    assert isinstance(dev, MPU6886) and dev.rate_hz == 50
    clock, bus, chip = _rig(MPU6050Model)
    dev = imu.open_imu(bus, {"model": "mpu6050", "address": 0x68}, 200, 2, 250)
    assert isinstance(dev, MPU6050) and dev.gyro_fs_dps == 250
    assert "mpu6886" in boarddef.SUPPORTED_IMUS and "mpu6050" in boarddef.SUPPORTED_IMUS


def test_configuration_registers_follow_the_datasheet():
    # rate -> SMPLRT_DIV (1 kHz / (1 + div)), DLPF_CFG (bandwidth below rate / 2)
    expected = {25: (39, 5), 50: (19, 4), 100: (9, 3), 200: (4, 2)}
    for drv, model, _, _, _, _ in CHIPS:
        for rate in expected:
            clock, bus, chip = _rig(model)
            drv(bus, rate_hz=rate, accel_fs_g=8, gyro_fs_dps=1000)
            regs = chip.regs
            div, dlpf = expected[rate]
            assert 1000 // (1 + regs[0x19]) == rate and 1000 % (1 + regs[0x19]) == 0
            assert regs[0x19] == div and regs[0x1A] & 0x07 == dlpf
            assert regs[0x1B] == 0x10  # FS_SEL = 2 (1000 dps), FCHOICE_B = 00 (filter on)
            assert regs[0x1C] == 0x10  # AFS_SEL = 2 (8 g)
            assert regs[0x38] & 0x10  # FIFO_OFLOW_EN
            assert regs[0x6A] == 0x40  # USER_CTRL FIFO_EN, reset bits self-cleared
            assert regs[0x6B] == 0x01  # awake, CLKSEL = 1 (PLL)
            if drv is MPU6886:
                assert regs[0x1A] & 0x40  # FIFO_MODE: stop when full
                assert regs[0x1D] == dlpf  # accelerometer filter on, same code
                assert regs[0x23] == 0x18  # GYRO_FIFO_EN | ACCEL_FIFO_EN
            else:
                assert regs[0x1A] == dlpf  # bits 7:6 reserved
                assert regs[0x23] == 0x78  # XG YG ZG ACCEL, no TEMP
                assert regs[0x1D] == 0  # not an MPU-6050 register: never written


def test_scaling_of_gravity_and_rate_in_every_range():
    accel = (0.0, -STANDARD_GRAVITY / 2, STANDARD_GRAVITY)
    gyro = (0.5, 0.0, -0.25)  # rad/s: 28.648 and -14.324 dps, inside every range
    for drv, model, _, _, _, _ in CHIPS:
        for fs_g in (2, 4, 8, 16):
            for fs_dps in (250, 500, 1000, 2000):
                clock, bus, chip = _rig(model, ConstantSource(accel, gyro))
                dev = drv(bus, rate_hz=100, accel_fs_g=fs_g, gyro_fs_dps=fs_dps)
                s = _read_all(dev, clock, 0.05)[-1]
                lsb_g = LSB_PER_G[fs_g]
                lsb_dps = LSB_PER_DPS[fs_dps]
                want = (0.0, -0.5 * lsb_g, 1.0 * lsb_g, 0.5 * DEG_PER_RAD * lsb_dps, 0.0,
                        -0.25 * DEG_PER_RAD * lsb_dps)
                for k in range(6):
                    assert approx(s[k], want[k], 1.0), (drv.NAME, fs_g, fs_dps, k, s[k], want[k])
                # The driver's sensitivities are the datasheet's, exactly.
                g = dev.accel_g_per_lsb
                dps = dev.gyro_dps_per_lsb
                assert approx(g * lsb_g, 1.0, 1e-12) and approx(dps * lsb_dps, 1.0, 1e-12)
                assert approx(s[2] * g, 1.0, 1e-3 + g)
                assert approx(s[3] * dps, 28.648, 1e-3 + dps)


def test_saturates_at_full_scale():
    accel = (0.0, -3 * STANDARD_GRAVITY, 3 * STANDARD_GRAVITY)
    gyro = (6.0, -6.0, 0.0)  # 343.8 dps, beyond 250 dps
    for drv, model, _, _, _, _ in CHIPS:
        clock, bus, chip = _rig(model, ConstantSource(accel, gyro))
        dev = drv(bus, accel_fs_g=2, gyro_fs_dps=250)
        s = _read_all(dev, clock, 0.05)[-1]
        assert s == (0, -32768, 32767, 32767, -32768, 0), s


def test_big_endian_bytes_in_fifo_packets():
    # 4 g: 8192 LSB/g; 500 dps: 65.5 LSB/(deg/s)
    accel = (1000 / 8192 * STANDARD_GRAVITY, -2 / 8192 * STANDARD_GRAVITY, 0.0)
    gyro = (300 / 65.5 / DEG_PER_RAD, 0.0, -1 / 65.5 / DEG_PER_RAD)
    for drv, model, packet, gyro_at, _, _ in CHIPS:
        clock, bus, chip = _rig(model, ConstantSource(accel, gyro))
        drv(bus)
        clock.advance_us(25000)  # two packets at 100 Hz
        count = bytearray(2)
        bus.readfrom_mem_into(0x68, 0x72, count)
        assert (count[0] << 8) | count[1] == 2 * packet
        one = bytearray(packet)
        bus.readfrom_mem_into(0x68, 0x74, one)  # one burst at FIFO_R_W: no auto-increment
        assert one[0:2] == b"\x03\xe8" and one[2:4] == b"\xff\xfe"  # 1000, -2
        assert one[gyro_at:gyro_at + 2] == b"\x01\x2c"  # 300
        assert one[gyro_at + 4:gyro_at + 6] == b"\xff\xff"  # -1
        if drv is MPU6886:
            assert one[6:8] == b"\x00\x00"  # temperature, 25 degC
        # The same bytes popped one read at a time.
        byte = bytearray(1)
        for j in range(packet):
            bus.readfrom_mem_into(0x68, 0x74, byte)
            assert byte[0] == one[j], (drv.NAME, j)
        # The output registers hold the same sample, also high byte first.
        out = bytearray(14)
        bus.readfrom_mem_into(0x68, 0x3B, out)
        assert out[0:4] == one[0:4] and out[8:14] == one[gyro_at:gyro_at + 6]


def test_sample_count_and_order_follow_the_rate():
    for drv, model, _, _, _, _ in CHIPS:
        for rate in (25, 50, 100, 200):
            clock, bus, chip = _rig(model, RampSource())
            dev = drv(bus, rate_hz=rate, batch=8)
            t0_us = clock.now_us()  # sampling starts when configured
            got = _read_all(dev, clock, 2.0)
            # Bus transfers take time too, so the clock ran a little over 2 s.
            expected = (clock.now_us() - t0_us) * rate // 1000000
            assert abs(len(got) - expected) <= 2, (drv.NAME, rate, len(got), expected)
            assert clock.now_us() - t0_us < 2300000
            assert dev.overruns == 0 and dev.bus_errors == 0
            # ax ramps by 2 m/s^2 per s and ay by 1: strictly increasing, nothing
            # lost or repeated, and no packet misread as another's bytes.
            for axis in (0, 1):
                v = [s[axis] for s in got]
                assert all(b > a for a, b in zip(v, v[1:])), (drv.NAME, rate, axis)
            ax = [s[0] for s in got]
            step_counts = 2.0 / rate / STANDARD_GRAVITY * 8192
            assert approx(ax[1] - ax[0], step_counts, 1.5)
            assert approx(_ramp_t(ax[0]), 1.0 / rate, 0.01), (drv.NAME, rate, _ramp_t(ax[0]))


def test_fifo_overflow_is_counted_and_reading_resumes_with_fresh_data():
    for drv, model, packet, _, _, _ in CHIPS:
        clock, bus, chip = _rig(model, RampSource())
        dev = drv(bus, rate_hz=100)
        clock.advance_us(10 * 1000000)  # 10 s unread: 1000 packets, the FIFO holds < 90
        buf = array.array("h", bytes(2 * 6 * dev.batch))
        assert dev.read(buf) == 0
        assert dev.overruns == 1
        assert chip.bytes_dropped >= 1000 * packet - FIFO_BYTES - 2 * packet, chip.bytes_dropped
        got = _read_all(dev, clock, 0.2)
        assert dev.overruns == 1 and dev.bus_errors == 0
        assert 18 <= len(got) <= 21, len(got)
        # Fresh data: taken after the FIFO was emptied, about 10 s in.
        assert approx(_ramp_t(got[0][0]), 10.01, 0.011), _ramp_t(got[0][0])
        ax = [s[0] for s in got]
        assert all(b > a for a, b in zip(ax, ax[1:]))


def test_full_fifo_behaviour_differs_per_chip():
    """MPU-6886 with FIFO_MODE = 1 keeps the oldest data; the MPU-6050 keeps the newest."""
    for drv, model, packet, _, _, _ in CHIPS:
        clock, bus, chip = _rig(model, RampSource())
        drv(bus, rate_hz=100)
        clock.advance_us(10 * 1000000)
        status = bytearray(1)
        bus.readfrom_mem_into(0x68, 0x3A, status)
        assert status[0] & 0x10  # FIFO_OFLOW_INT
        bus.readfrom_mem_into(0x68, 0x3A, status)
        assert not status[0] & 0x10  # cleared by the read
        count = bytearray(2)
        bus.readfrom_mem_into(0x68, 0x72, count)
        assert (count[0] << 8) | count[1] == FIFO_BYTES
        fifo = bytearray(FIFO_BYTES)
        bus.readfrom_mem_into(0x68, 0x74, fifo)
        if drv is MPU6886:
            # The first packet is the first sample; the last bytes a torn packet.
            assert approx(_ramp_t(_s16(fifo[0], fifo[1])), 0.01, 0.002)
        else:
            # The last packet is the newest sample, taken less than a period
            # (10 ms) before the burst (which itself took 23 ms on the bus).
            # 1024 bytes are not whole packets: the oldest one is torn.
            p = FIFO_BYTES - packet
            t = _ramp_t(_s16(fifo[p], fifo[p + 1]))
            assert approx(t, clock.now_us() / 1e6 - 0.005, 0.0055), (t, clock.now_us())
            assert FIFO_BYTES % packet != 0


def test_bus_error_is_counted_and_nothing_is_lost():
    for drv, model, _, _, _, _ in CHIPS:
        clock, bus, chip = _rig(model, RampSource())
        dev = drv(bus, batch=32)
        buf = array.array("h", bytes(2 * 6 * dev.batch))
        clock.advance_us(100000)
        # The first read's INT_STATUS, the second read's FIFO burst.
        bus.fail_transfers = set([bus.transfers + 1, bus.transfers + 4])
        total = 0
        for _ in range(6):
            total += dev.read(buf)
        assert dev.bus_errors == 2
        assert abs(total - 10) <= 1, total  # 100 ms at 100 Hz, all of it recovered


class TearingBus:
    """A bus whose next long FIFO burst moves ``keep`` bytes, then fails (e.g. a timeout)."""

    def __init__(self, bus):
        self.bus = bus
        self.keep = -1

    def readfrom_mem_into(self, address, reg, buf):
        if reg == 0x74 and 0 <= self.keep < len(buf):
            part = bytearray(self.keep)
            self.keep = -1
            self.bus.readfrom_mem_into(address, reg, part)
            raise OSError(110)
        self.bus.readfrom_mem_into(address, reg, buf)

    def writeto_mem(self, address, reg, buf):
        self.bus.writeto_mem(address, reg, buf)


def test_burst_failing_midway_loses_only_the_torn_packets():
    for drv, model, packet, _, _, _ in CHIPS:
        for keep in (5, packet + 5, 2 * packet):
            clock, bus, chip = _rig(model, RampSource())
            tearing = TearingBus(bus)
            dev = drv(tearing, rate_hz=100, batch=8)
            got = _read_all(dev, clock, 0.5, 50000)
            tearing.keep = keep
            got += _read_all(dev, clock, 1.0, 50000)
            assert tearing.keep == -1 and dev.bus_errors == 1 and dev.overruns == 0
            # Every axis still in step (a misaligned packet would scramble them)
            # and exactly one gap, of the packets the failed burst took.
            lost = (keep + packet - 1) // packet
            step = 2.0 / 100 / STANDARD_GRAVITY * 8192
            gaps = []
            for a, b in zip(got, got[1:]):
                assert b[0] > a[0] and b[1] > a[1], (drv.NAME, keep, a, b)
                if b[0] - a[0] > 1.5 * step:
                    gaps.append(round((b[0] - a[0]) / step) - 1)
            assert gaps == [lost], (drv.NAME, keep, gaps)


def test_reset_sleeps_until_woken():
    for drv, model, packet, _, _, pwr_reset in CHIPS:
        clock, bus, chip = _rig(model, RampSource())
        drv(bus)
        clock.advance_us(50000)
        bus.writeto_mem(0x68, 0x6B, bytearray([0x80]))  # DEVICE_RESET
        reg = bytearray(1)
        bus.readfrom_mem_into(0x68, 0x6B, reg)
        assert reg[0] == pwr_reset  # SLEEP set, DEVICE_RESET cleared itself
        for r, value in ((0x19, 9), (0x1A, 3), (0x23, drv.FIFO_EN_VALUE), (0x6A, 0x40)):
            bus.writeto_mem(0x68, r, bytearray([value]))
        count = bytearray(2)
        bus.readfrom_mem_into(0x68, 0x72, count)
        assert count == b"\x00\x00"  # the reset emptied the FIFO
        clock.advance_us(100000)
        bus.readfrom_mem_into(0x68, 0x72, count)
        assert count == b"\x00\x00", (drv.NAME, count)  # asleep: nothing sampled
        bus.writeto_mem(0x68, 0x6B, bytearray([0x01]))  # wake, PLL
        clock.advance_us(100000)
        bus.readfrom_mem_into(0x68, 0x72, count)
        n = ((count[0] << 8) | count[1]) // packet
        assert 9 <= n <= 10, (drv.NAME, n)


def test_read_allocates_nothing():
    if not is_micropython():
        skip("heap_lock exists only on MicroPython; CPython allocates every int")
    import micropython

    for drv, model, _, _, _, _ in CHIPS:
        clock, bus, chip = _rig(model, RampSource())
        dev = drv(bus, rate_hz=100, batch=16)
        buf = array.array("h", bytes(2 * 6 * dev.batch))
        total = 0
        for _ in range(300):  # about 3 s of data, 10 ms passes
            clock.advance_us(10000)
            chip._update()  # the chip samples (allocation allowed: it is not the MCU)
            micropython.heap_lock()
            try:
                n = dev.read(buf)
            finally:
                micropython.heap_unlock()
            total += n
        assert total >= 295, total
        assert dev.overruns == 0 and dev.bus_errors == 0
