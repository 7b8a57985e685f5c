"""The App without a board around it: for running the firmware's loop body in
tests and benchmarks (the chip model on a simulated bus supplies the IMU)."""


class IdleMotor:
    on = False


class BareHardware:
    def __init__(self, imu):
        self.imu = imu
        self.motor = IdleMotor()
        self.button = None
        self.unique_id = b"\x00\x01"
