"""A picture of one simulated set: deviation over time with the truth marked."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from korset.sim.movements import AXIS_INDEX
from korset.sim.simulate import Simulation

COLOURS = {"flexion": "tab:blue", "lateral": "tab:green", "rotation": "tab:purple"}


def plot_simulation(sim: Simulation, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    truth = sim.truth
    fig, ax = plt.subplots(figsize=(11, 3.6), dpi=110)
    t = sim.t_fine
    for axis, k in AXIS_INDEX.items():
        judged = axis in truth["tolerance_deg"]
        ax.plot(t, sim.deviation_deg[:, k], color=COLOURS[axis], lw=1.4 if judged else 0.8,
                alpha=1.0 if judged else 0.45, label=f"{axis}" + ("" if judged else " (free)"))
    for axis, tol in truth["tolerance_deg"].items():
        k = AXIS_INDEX[axis]
        # The band is around what is judged: the reference for reps, the held
        # position during each hold.
        centre = sim.deviation_deg[:, k] - sim.monitored_deg[:, k]
        ax.plot(t, centre + tol, color=COLOURS[axis], ls=":", lw=0.9)
        ax.plot(t, centre - tol, color=COLOURS[axis], ls=":", lw=0.9)
    for f in truth["faults"]:
        ax.axvspan(f["start_s"], f["end_s"], color="tab:red", alpha=0.25, lw=0)
    for h in truth["holds"]:
        ax.axvspan(h["start_s"], h["end_s"], color="tab:orange", alpha=0.12, lw=0)
    for rt in truth["rep_times_s"]:
        ax.axvline(rt, color="0.3", lw=0.6, alpha=0.6)
    ax.axvline(truth["reference_s"], color="k", lw=1.2, ls="--", label="reference")
    ax.axvline(truth["set_end_s"], color="k", lw=1.2, ls="-.", label="set end")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("lumbar deviation (deg)")
    lim = max(4.0, float(np.nanmax(np.abs(sim.deviation_deg))) * 1.1)
    ax.set_ylim(-lim, lim)
    ax.set_xlim(0, t[-1])
    ax.set_title(f"{title}: {truth['reps']} reps (grey lines), {len(truth['holds'])} holds "
                 f"(orange), {len(truth['faults'])} faults (red); dotted: tolerance",
                 fontsize=9)
    ax.legend(loc="upper right", fontsize=7, ncol=5)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
