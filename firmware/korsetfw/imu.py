"""IMU drivers by name, as the board definition names them."""

DRIVERS = {
    "lsm6dsox": ("korsetfw.lsm6dsox", "LSM6DSOX"),
}


def open_imu(i2c, imu_def, rate_hz, accel_fs_g, gyro_fs_dps):
    """Build the driver for ``imu_def`` (the board's ``imu`` section) on ``i2c``."""
    try:
        module_name, cls_name = DRIVERS[imu_def["model"]]
    except KeyError:
        raise ValueError("no driver for IMU model %r" % imu_def["model"]) from None
    module = __import__(module_name, None, None, [cls_name])
    cls = getattr(module, cls_name)
    return cls(i2c, address=imu_def["address"], rate_hz=rate_hz, accel_fs_g=accel_fs_g,
               gyro_fs_dps=gyro_fs_dps)
