"""The motion simulator: a patient doing a catalogue exercise, with a sensor on the lower back.

See ``korset.sim.simulate`` for the model and ``korset sim`` for the command.
"""

from korset.sim.simulate import Simulation, simulate

__all__ = ["Simulation", "simulate"]
