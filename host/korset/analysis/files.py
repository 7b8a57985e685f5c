"""Moved to ``korset.setfiles`` (file reading and storing is not numeric analysis); kept
for the importers not yet changed (``korset.commands.demo``)."""

from korset.setfiles import analyse, record_stored, save

__all__ = ["analyse", "record_stored", "save"]
