"""The report's pictures as inline SVG: one set's movement over time, and progress by day.

A set's chart has one panel per monitored axis (deviation in degrees against
time in seconds) with the tolerance band, the faults as red spans with their
peak, the holds as yellow spans with their length, the repetitions as
numbered dots along the top, the reference and the set's end as lines, and a
legend. Every mark also has words (labels, ``<title>``), so colour is never
the only cue. Elements carry classes (``fault``, ``hold``, ``rep``) that the
tests count. A count the analysis is not sure of is said to be uncertain in the
set chart's description, and a day's bar that adds one up is paler, its value
marked ``~`` (class ``approx``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

import numpy as np

from korset.report import svg
from korset.report.figures import DayFigures, holds_exact, monitored_axes, reps_count
from korset.report.language import Language
from korsetfw import catalogue as cat

if TYPE_CHECKING:
    from korset.analysis.result import Analysis, Fault, Hold

INK = "#1f2933"
MUTED = "#5f6b7a"
GRID = "#e3e7ec"
AXIS_COLOURS = {cat.FLEXION: "#2b5f9e", cat.LATERAL: "#2e7d5b", cat.ROTATION: "#6a4c9c"}
BAND_FILL = "#dcefe2"
BAND_EDGE = "#86b996"
FAULT_FILL = "#e5534b"  # drawn at FAULT_OPACITY over the band
FAULT_OPACITY = 0.2
FAULT_BAR = "#c62828"  # solid strip along the top of a fault's span
FAULT_TEXT = "#9b1c1c"
HOLD_FILL = "#fbecc0"  # the hold's span in the panels (beside the band)
HOLD_BAR = "#e2b13c"  # the hold's strip above the panels, under its length
HOLD_TEXT = "#6b5310"
NOT_JUDGED = "#eef0f3"
REP_DOT = "#33404d"
BAR_COLOURS = {"reps": "#2b5f9e", "holds": "#b88a1c", "faults": "#9c4a3c",
               "largest": "#2b5f9e"}

FONT = 17.0  # px of the viewBox; the chart is about as wide on screen as its viewBox
FONT_SMALL = 15.0
HALO = dict(stroke="#ffffff", stroke_width=4.0, paint_order="stroke",
            stroke_linejoin="round")

# Layout of a set's chart, px of the viewBox.
WIDTH = 1000.0
LEFT, RIGHT = 72.0, 18.0
LEGEND_H = 36.0
LABEL_ROW_H = 24.0  # reference and end labels
EVENT_ROW_H = 38.0  # repetition dots or hold lengths
PANEL_TITLE_H = 30.0
PANEL_H = 160.0
PANEL_GAP = 10.0
AXIS_H = 64.0
MAX_POINTS = 1600  # per curve; more is invisible at this width


def set_chart(a: Analysis, L: Language, chart_id: str) -> str | None:
    """The SVG of one set, or None when the set has no stored trace to draw."""
    trace = a.trace
    if trace is None or not trace.columns:
        return None
    t = trace.t
    axes = [axis for axis in monitored_axes(a) if axis in trace.columns] or \
        list(trace.columns)[:1]
    t_end = max(float(t[-1]) if len(t) else 0.0, a.set_end_s)
    x = svg.Scale((min(float(t[0]), a.reference_s), t_end), (LEFT, WIDTH - RIGHT))
    top = LEGEND_H + LABEL_ROW_H + EVENT_ROW_H
    panel_top = [top + i * (PANEL_TITLE_H + PANEL_H + PANEL_GAP) + PANEL_TITLE_H
                 for i in range(len(axes))]
    bottom = panel_top[-1] + PANEL_H
    height = bottom + AXIS_H

    parts = [_legend(a, L)]
    panels = {}
    for axis, y0 in zip(axes, panel_top, strict=True):
        panels[axis] = _panel(a, axis, t, trace.columns[axis], x, y0, L)
    # Holds under the band (visible beside it, never muddying it), faults over it.
    parts += [panels[axis].base for axis in axes]
    parts += [_hold(a, n, x, panel_top, L) for n in range(len(a.holds))]
    parts += [panels[axis].band for axis in axes]
    taken: list[tuple[float, float, float, float]] = []  # boxes of the labels so far
    parts += [_fault(a, n, x, panels, taken, L) for n in range(len(a.faults))]
    for axis in axes:
        parts.append(panels[axis].foreground)
    parts.append(_reference_and_end(a, x, LEGEND_H, panel_top[0] - PANEL_TITLE_H, bottom, L))
    parts.append(_reps(a, x, LEGEND_H + LABEL_ROW_H, L))
    parts.append(_time_axis(x, bottom, L))

    name = L.exercise(a)
    desc = L("set_chart_desc",
             reps=L("desc_reps" if reps_count(a).exact else "desc_reps_uncertain",
                    n=len(a.rep_times_s)) if a.kind == cat.REPS else "",
             holds=L("desc_holds" if holds_exact(a) else "desc_holds_uncertain",
                     n=len(a.holds)) if a.holds else "",
             faults=L("desc_faults", n=len(a.faults)))
    return svg.document(WIDTH, height, parts, label=L("set_chart_title", exercise=name),
                        description=" ".join(desc.split()), id_=chart_id, class_="set-chart")


class _Panel:
    """One axis's plot area in three layers: the paper, the tolerance band with the grid,
    and the curve with the labels (holds go between the first two, faults on the band)."""

    def __init__(self, axis: str, y: svg.Scale, top: float, layers: tuple[str, str, str],
                 values: np.ndarray, t: np.ndarray):
        self.axis, self.y, self.top = axis, y, top
        self.base, self.band, self.foreground = layers
        self.values, self.t = values, t


def _panel(a: Analysis, axis: str, t: np.ndarray, values: np.ndarray, x: svg.Scale,
           top: float, L: Language) -> _Panel:
    tol = a.tolerance_deg.get(axis)
    judged = _judged(a)
    centres = [0.0 if hold is None else _held_level(hold, axis, t, values)
               for _, _, hold in judged]
    finite = values[np.isfinite(values)]
    peak = float(np.max(np.abs(finite))) if len(finite) else 0.0
    band = max((abs(c) + tol for c in centres), default=0.0) if tol is not None else 0.0
    lim = max(2.0, (tol or 0.0) * 1.6, band * 1.1, peak * 1.3)  # room for the peaks' labels
    y = svg.Scale((-lim, lim), (top + PANEL_H, top))
    left, right = LEFT, WIDTH - RIGHT

    base = [svg.rect(left, top, right - left, PANEL_H, fill="#ffffff")]
    edges = [x.d0] + [t_s for lo, hi, _ in judged for t_s in (lo, hi)] + [x.d1]
    for lo, hi in zip(edges[::2], edges[1::2], strict=True):
        if hi > lo:
            base.append(svg.rect(x(lo), top, x(hi) - x(lo), PANEL_H, fill=NOT_JUDGED))
    back = []
    if tol is not None:
        for (lo, hi, _), centre in zip(judged, centres, strict=True):
            yt, yb = y.clamp(centre + tol), y.clamp(centre - tol)
            back.append(svg.rect(x(lo), yt, x(hi) - x(lo), yb - yt, fill=BAND_FILL))
            for edge in (yt, yb):
                back.append(svg.line(x(lo), edge, x(hi), edge, stroke=BAND_EDGE,
                                     stroke_width=1.2, stroke_dasharray="5 4"))
    for v in svg.nice_ticks(-lim, lim, 4):
        back.append(svg.line(left, y(v), right, y(v), stroke=INK if v == 0 else GRID,
                             stroke_width=1.0 if v == 0 else 0.8,
                             stroke_opacity=0.35 if v == 0 else None))

    front = []
    tt, vv = svg.envelope(t, values, MAX_POINTS)
    front += svg.polylines(x(tt), y(np.clip(vv, -lim, lim)), stroke=AXIS_COLOURS.get(
        axis, INK), stroke_width=2.0, stroke_linejoin="round", stroke_linecap="round",
        class_="curve")
    front.append(svg.rect(left, top, right - left, PANEL_H, fill="none", stroke="#c3cad3",
                          stroke_width=1.0))
    for v in svg.nice_ticks(-lim, lim, 4):
        front.append(svg.text(left - 8, y(v) + 5, _tick(v, L) + "°", font_size=FONT_SMALL,
                              text_anchor="end", fill=MUTED))
    front.append(svg.text(18, top + PANEL_H / 2, L("axis_degrees"), font_size=FONT_SMALL,
                          text_anchor="middle", fill=MUTED,
                          transform=f"rotate(-90 18 {svg.num(top + PANEL_H / 2)})"))
    heading = L("panel_title", axis=L.axis(axis), tol=L.deg(tol)) if tol is not None \
        else L("panel_title_free", axis=L.axis(axis))
    front.append(svg.text(left, top - 8, heading, font_size=FONT, font_weight="600",
                          fill=INK))
    return _Panel(axis, y, top, (svg.group(base), svg.group(back), svg.group(front)), values, t)


def _judged(a: Analysis) -> list[tuple[float, float, Hold | None]]:
    """The judged stretches of the set: (start_s, end_s, hold). For a hold into a new
    position (exercise 5's pelvic tilt) only the holds are judged, each against the
    position held; otherwise the whole set from the reference, against it (hold None)."""
    if a.kind != cat.HOLD or _holds_in_place(a):
        return [(a.reference_s, a.set_end_s, None)]
    return [(max(h.start_s, a.reference_s), min(h.end_s, a.set_end_s), h) for h in a.holds
            if h.end_s > a.reference_s and h.start_s < a.set_end_s]


def _held_level(h: Hold, axis: str, t: np.ndarray, values: np.ndarray) -> float:
    """The position held on ``axis``: the analysis's (``Hold.level_deg``), else (a result
    stored before it kept one) the median of the hold."""
    if h.level_deg and axis in h.level_deg:
        return float(h.level_deg[axis])
    inside = (t >= h.start_s) & (t <= h.end_s) & np.isfinite(values)
    return float(np.median(values[inside])) if inside.any() else 0.0


def _holds_in_place(a: Analysis) -> bool:
    try:
        return cat.get(a.exercise_key).hold_in_place
    except KeyError:
        return False


def _tick(v: float, L: Language) -> str:
    return L.num(v, 0) if abs(v - round(v)) < 1e-9 else L.num(v, 1)


def _hold(a: Analysis, n: int, x: svg.Scale, panel_top: Sequence[float], L: Language) -> str:
    h = a.holds[n]
    # Inset a little, so that holds which meet stay apart.
    x0, x1 = x(h.start_s) + 1.5, x(h.end_s) - 1.5
    label = L.seconds(h.duration_s)
    row_y = LEGEND_H + LABEL_ROW_H
    parts = [svg.title(f"{L('where_hold', n=n + 1)}: {label}")]
    parts += [svg.rect(x0, top, x1 - x0, PANEL_H, fill=HOLD_FILL) for top in panel_top]
    parts.append(svg.rect(x0 + 1.5, row_y + EVENT_ROW_H - 8, x1 - x0 - 3, 6, fill=HOLD_BAR))
    if svg.text_width(label, FONT_SMALL) < x1 - x0:
        parts.append(svg.text((x0 + x1) / 2, row_y + EVENT_ROW_H - 14, label,
                              font_size=FONT_SMALL, text_anchor="middle", font_weight="600",
                              fill=HOLD_TEXT))
    return svg.group(parts, class_="hold")


def _fault(a: Analysis, n: int, x: svg.Scale, panels: dict[str, _Panel],
           taken: list[tuple[float, float, float, float]], L: Language) -> str:
    f = a.faults[n]
    panel = panels.get(f.axis) or next(iter(panels.values()))
    x0, x1 = x(f.start_s), x(f.end_s)
    if x1 - x0 < 3:  # a very short fault stays visible
        x0, x1 = (x0 + x1) / 2 - 1.5, (x0 + x1) / 2 + 1.5
    px, py = x(_peak_time(f, panel)), panel.y.clamp(f.peak_deg)
    label = L.signed_deg(f.peak_deg)
    parts = [
        svg.title(f"{L('faults')} {n + 1}: {L.seconds(f.start_s)}, {L.axis(f.axis)} {label}"),
        svg.rect(x0, panel.top, x1 - x0, PANEL_H, fill=FAULT_FILL, fill_opacity=FAULT_OPACITY),
        svg.rect(x0, panel.top, x1 - x0, 6, fill=FAULT_BAR),
        svg.circle(px, py, 4.5, fill="#ffffff", stroke=FAULT_BAR, stroke_width=2.0)]
    place = _label_place(label, px, py, x0, x1, f.peak_deg >= 0, panel, taken)
    if place is not None:  # else the fault table and the tooltip say it
        anchor, lx, ly = place
        parts.append(svg.text(lx, ly, label, font_size=FONT_SMALL, font_weight="700",
                              fill=FAULT_TEXT, text_anchor=anchor, **HALO))
    return svg.group(parts, class_="fault")


def _label_place(label: str, px: float, py: float, x0: float, x1: float, up: bool,
                 panel: _Panel, taken: list[tuple[float, float, float, float]]
                 ) -> tuple[str, float, float] | None:
    """Where a fault's peak label goes: over (or under) the peak, else beside the span,
    else stacked further out; the first place inside the panel that no earlier label
    covers. None when there is none."""
    width, step = svg.text_width(label, FONT_SMALL), FONT_SMALL + 4
    out = -1 if up else 1
    ahead = py - 11 if up else py + 21
    candidates = [("middle", px, ahead), ("start", x1 + 6, py + 5), ("end", x0 - 6, py + 5)]
    candidates += [("middle", px, ahead + out * k * step) for k in (1, 2, 3)]
    for anchor, lx, ly in candidates:
        left = lx - {"start": 0, "middle": width / 2, "end": width}[anchor]
        box = (left - 2, ly - FONT_SMALL, left + width + 2, ly + 3)
        inside = LEFT < box[0] and box[2] < WIDTH - RIGHT and \
            panel.top + 8 < box[1] and box[3] < panel.top + PANEL_H
        if inside and not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and
                              b[1] < box[3] for b in taken):
            taken.append(box)
            return anchor, lx, ly
    return None


def _peak_time(f: Fault, panel: _Panel) -> float:
    """When the fault's deviation was largest, from the trace (the middle if it has no
    samples there)."""
    inside = (panel.t >= f.start_s) & (panel.t <= f.end_s) & np.isfinite(panel.values)
    if not inside.any():
        return (f.start_s + f.end_s) / 2
    idx = np.flatnonzero(inside)
    return float(panel.t[idx[np.argmax(np.abs(panel.values[idx]))]])


def _reference_and_end(a: Analysis, x: svg.Scale, label_top: float, top: float,
                       bottom: float, L: Language) -> str:
    parts = []
    for t_s, label, dash, anchor, dx in (
            (a.reference_s, L("label_reference"), "6 4", "start", 5),
            (a.set_end_s, L("label_end"), "10 4 2 4", "end", -5)):
        xx = x(t_s)
        parts.append(svg.line(xx, label_top + 4, xx, bottom, stroke=INK, stroke_width=1.4,
                              stroke_dasharray=dash))
        parts.append(svg.text(xx + dx, label_top + 16, f"{label} {L.seconds(t_s)}",
                              font_size=FONT_SMALL, fill=INK, text_anchor=anchor))
    return svg.group(parts, class_="marks")


def _reps(a: Analysis, x: svg.Scale, row_top: float, L: Language) -> str:
    """The repetitions found, a dot each, numbered when the count is sure: numbers 1..N
    under an unsure count would tell the patient a count the analysis does not know."""
    times = a.rep_times_s
    if not times:
        return ""
    numbered = reps_count(a).exact
    spacing = min(np.diff(x(np.asarray(times)))) if len(times) > 1 else WIDTH
    every = 1 if spacing >= 24 else 5
    dot_y = row_top + EVENT_ROW_H - 7
    parts = []
    for n, t_s in enumerate(times, 1):
        what = L("where_rep", n=n) if numbered else L("where_rep_unsure")
        tip = svg.title(f"{what}: {L.seconds(t_s)}")
        parts.append(svg.element("circle", tip, cx=float(x(t_s)), cy=float(dot_y), r=4.5,
                                 fill=REP_DOT, class_="rep"))
        if numbered and (n == 1 or n % every == 0):
            parts.append(svg.text(x(t_s), dot_y - 10, str(n), font_size=FONT_SMALL,
                                  text_anchor="middle", fill=MUTED))
    return svg.group(parts, class_="reps")


def _time_axis(x: svg.Scale, bottom: float, L: Language) -> str:
    parts = []
    for v in svg.nice_ticks(x.d0, x.d1, 10):
        parts.append(svg.line(x(v), bottom, x(v), bottom + 6, stroke=MUTED, stroke_width=1.0))
        parts.append(svg.text(x(v), bottom + 24, _tick(v, L), font_size=FONT_SMALL,
                              text_anchor="middle", fill=MUTED))
    parts.append(svg.text((LEFT + WIDTH - RIGHT) / 2, bottom + 52, L("axis_time"),
                          font_size=FONT_SMALL, text_anchor="middle", fill=MUTED))
    return svg.group(parts)


def _legend(a: Analysis, L: Language) -> str:
    items = [("band", L("legend_tolerance"))] if a.tolerance_deg else []
    items.append(("fault", L("legend_fault")))
    if a.holds or a.kind == cat.HOLD:
        items.append(("hold", L("legend_hold")))
    if a.kind == cat.REPS:
        items.append(("rep", L("legend_rep")))
    items += [("reference", L("legend_reference")), ("end", L("legend_end")),
              ("not_judged", L("legend_not_judged"))]
    parts, at, y = [], LEFT, 18.0
    for kind, label in items:
        parts.append(_swatch(kind, at, y))
        parts.append(svg.text(at + 28, y + 5, label, font_size=FONT_SMALL, fill=INK))
        at += 28 + svg.text_width(label, FONT_SMALL) + 22
    return svg.group(parts, class_="legend")


def _swatch(kind: str, x0: float, y: float) -> str:
    if kind == "band":
        return svg.rect(x0, y - 7, 22, 14, fill=BAND_FILL, stroke=BAND_EDGE,
                        stroke_dasharray="3 2")
    if kind == "fault":
        return svg.group([svg.rect(x0, y - 7, 22, 14, fill=FAULT_FILL,
                                   fill_opacity=FAULT_OPACITY),
                          svg.rect(x0, y - 7, 22, 4, fill=FAULT_BAR)])
    if kind == "hold":
        return svg.group([svg.rect(x0, y - 7, 22, 14, fill=HOLD_FILL),
                          svg.rect(x0, y - 7, 22, 4, fill=HOLD_BAR)])
    if kind == "rep":
        return svg.circle(x0 + 11, y, 4.5, fill=REP_DOT)
    if kind == "not_judged":
        return svg.rect(x0, y - 7, 22, 14, fill=NOT_JUDGED, stroke="#c3cad3")
    dash = "6 4" if kind == "reference" else "10 4 2 4"
    return svg.line(x0, y, x0 + 22, y, stroke=INK, stroke_width=1.4, stroke_dasharray=dash)


# Progress charts: one value per day, on a calendar axis (a day without sets is a gap).
CHART_W, CHART_H = 440.0, 250.0
C_LEFT, C_RIGHT, C_TOP, C_BOTTOM = 44.0, 12.0, 30.0, 40.0
C_FONT = 15.0
APPROX_OPACITY = 0.45  # a bar that adds up a count the analysis is not sure of
CHART_TITLES = {"reps": "chart_reps", "holds": "chart_holds", "faults": "chart_faults",
                "largest": "chart_largest"}


def day_chart(days: Sequence[DayFigures], what: str, L: Language, chart_id: str) -> str:
    """Bars (``reps``, ``holds``, ``faults`` per set) or a line (``largest`` movement)
    per calendar day from the first day with sets to the last, with the values written
    on them when there is room (and always in the chart's description). A day that adds up
    a count the analysis is not sure of has a paler bar and its value marked ``~``."""
    title = L(CHART_TITLES[what])
    first = days[0].day
    n_days = (days[-1].day - first).days + 1
    slot = (CHART_W - C_LEFT - C_RIGHT) / n_days
    points = [(C_LEFT + slot * ((d.day - first).days + 0.5), v, L.date_short(d.day))
              for d in days if (v := _day_value(d, what)) is not None]
    approx = [_day_approx(d, what) for d in days if _day_value(d, what) is not None]
    vmax = max([v for _, v, _ in points] + [0.0]) * 1.2 or 1.0
    y = svg.Scale((0.0, vmax), (CHART_H - C_BOTTOM, C_TOP))
    colour = BAR_COLOURS[what]

    def fmt(v: float, pale: bool = False) -> str:
        mark = L("approx_mark") if pale else ""
        return mark + L.num(v, 0) if what in ("reps", "holds") else \
            L.deg(v) if what == "largest" else L.num(v)

    parts = []
    for v in svg.nice_ticks(0.0, vmax, 3):
        parts.append(svg.line(C_LEFT, y(v), CHART_W - C_RIGHT, y(v), stroke=GRID,
                              stroke_width=0.8))
        parts.append(svg.text(C_LEFT - 6, y(v) + 5, _tick(v, L), font_size=C_FONT,
                              text_anchor="end", fill=MUTED))
    if what == "largest" and len(points) > 1:
        parts += svg.polylines(np.array([c for c, _, _ in points]),
                               np.array([y(v) for _, v, _ in points]), stroke=colour,
                               stroke_width=2.0)
    # A line's labels need more room than bars' (neighbours differ in height less).
    value_font = C_FONT if slot >= 40 else 12.0 if slot >= 26 and what != "largest" else None
    for (c, v, _), pale in zip(points, approx, strict=True):
        if what == "largest":
            parts.append(svg.circle(c, y(v), 4.0, fill=colour, class_="point"))
        else:
            w = min(slot * 0.7, 42.0)
            parts.append(svg.rect(c - w / 2, y(v), w, y(0.0) - y(v), fill=colour,
                                  fill_opacity=APPROX_OPACITY if pale else None,
                                  class_="bar approx" if pale else "bar"))
        if value_font is not None:
            parts.append(svg.text(c, y(v) - 8, fmt(v, pale), font_size=value_font,
                                  text_anchor="middle", font_weight="600", fill=INK))
    parts.append(svg.line(C_LEFT, y(0.0), CHART_W - C_RIGHT, y(0.0), stroke=MUTED,
                          stroke_width=1.0))
    every = int(np.ceil(72 / slot))  # days between date labels
    for k in range(0, n_days, every):
        day = first + timedelta(days=k)
        parts.append(svg.text(C_LEFT + slot * (k + 0.5), CHART_H - C_BOTTOM + 22,
                              L.date_short(day), font_size=C_FONT, text_anchor="middle",
                              fill=MUTED))
    desc = L("chart_desc_bars", title=title,
             values="; ".join(f"{label} {fmt(v, pale)}"
                              for (_, v, label), pale in zip(points, approx, strict=True)))
    return svg.document(CHART_W, CHART_H, parts, label=title, description=desc, id_=chart_id,
                        class_="day-chart")


def _day_approx(d: DayFigures, what: str) -> bool:
    """Whether the day's value adds up a count the analysis is not sure of."""
    return (what == "reps" and d.reps_approx) or (what == "holds" and d.holds_approx)


def _day_value(d: DayFigures, what: str) -> float | None:
    """The day's value; None (no bar) for repetitions on a day of holds only, and the
    other way round."""
    if what == "reps":
        return float(d.reps) if d.rep_sets else None
    if what == "holds":
        return float(d.holds) if d.hold_sets else None
    if what == "faults":
        return d.faults_per_set
    return d.largest_deg_mean
