"""IMU drivers by name, as the board definition names them."""

DRIVERS = {
    "lsm6dsox": ("korsetfw.lsm6dsox", "LSM6DSOX"),
    "mpu6886": ("korsetfw.mpu6886", "MPU6886"),
    "mpu6050": ("korsetfw.mpu6886", "MPU6050"),
}


def nearest_rate(rates, wanted):
    """The chip's rate closest to the one wanted (52 Hz asked, 50 Hz made)."""
    best = rates[0]
    for r in rates:
        if abs(r - wanted) < abs(best - wanted):
            best = r
    return best


def range_at_least(ranges, wanted):
    """The smallest full-scale range that holds ``wanted``, else the largest."""
    for r in ranges:  # ascending
        if r >= wanted:
            return r
    return ranges[-1]


def driver_class(model):
    try:
        module_name, cls_name = DRIVERS[model]
    except KeyError:
        raise ValueError("no driver for IMU model %r" % model) from None
    module = __import__(module_name, None, None, [cls_name])
    return getattr(module, cls_name)


def open_imu(i2c, imu_def, rate_hz, accel_fs_g, gyro_fs_dps):
    """Build the driver for ``imu_def`` (the board's ``imu`` section) on ``i2c``.

    Settings are chip-neutral: the rate becomes the chip's nearest, a range the
    chip lacks becomes the next larger one.
    """
    cls = driver_class(imu_def["model"])
    return cls(i2c, address=imu_def["address"], rate_hz=nearest_rate(cls.RATES_HZ, rate_hz),
               accel_fs_g=range_at_least(cls.ACCEL_RANGES_G, accel_fs_g),
               gyro_fs_dps=range_at_least(cls.GYRO_RANGES_DPS, gyro_fs_dps))
