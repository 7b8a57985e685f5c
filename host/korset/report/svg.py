"""Just enough SVG for the report's charts, written as text: no library, nothing external.

Elements are strings; attribute names are Python keywords with ``_`` for
``-`` (``stroke_width`` -> ``stroke-width``) and a trailing ``_`` dropped
(``class_`` -> ``class``). Coordinates are written with one decimal, which
keeps a plot of a few thousand points to tens of kilobytes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from html import escape

import numpy as np


def num(x: float) -> str:
    """A coordinate: at most one decimal, no trailing zeros, never ``-0``."""
    text = f"{x:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _attrs(attrs: dict) -> str:
    parts = []
    for key, value in attrs.items():
        if value is None:
            continue
        name = key.rstrip("_").replace("_", "-")
        text = num(value) if isinstance(value, float) else str(value)
        parts.append(f' {name}="{escape(text, quote=True)}"')
    return "".join(parts)


def element(tag: str, content: str = "", **attrs) -> str:
    if content:
        return f"<{tag}{_attrs(attrs)}>{content}</{tag}>"
    return f"<{tag}{_attrs(attrs)}/>"


def rect(x: float, y: float, width: float, height: float, **attrs) -> str:
    return element("rect", x=float(x), y=float(y), width=float(max(width, 0.0)),
                   height=float(max(height, 0.0)), **attrs)


def line(x1: float, y1: float, x2: float, y2: float, **attrs) -> str:
    return element("line", x1=float(x1), y1=float(y1), x2=float(x2), y2=float(y2), **attrs)


def circle(cx: float, cy: float, r: float, **attrs) -> str:
    return element("circle", cx=float(cx), cy=float(cy), r=float(r), **attrs)


def text(x: float, y: float, content: str, **attrs) -> str:
    return element("text", escape(content), x=float(x), y=float(y), **attrs)


def group(children: Iterable[str], **attrs) -> str:
    return element("g", "".join(children), **attrs)


def title(content: str) -> str:
    """A tooltip and accessible name for the element it is the first child of."""
    return element("title", escape(content))


def polylines(xs: np.ndarray, ys: np.ndarray, **attrs) -> list[str]:
    """The curve through the points, one ``<polyline>`` per run without NaN (a gap in the
    data stays a gap in the line)."""
    ok = np.isfinite(xs) & np.isfinite(ys)
    out = []
    edges = np.flatnonzero(np.diff(np.concatenate(([0], ok.astype(np.int8), [0]))))
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        if stop - start < 2:
            continue
        points = " ".join(f"{num(x)},{num(y)}" for x, y in zip(xs[start:stop], ys[start:stop],
                                                                strict=True))
        out.append(element("polyline", points=points, fill="none", **attrs))
    return out


def document(width: float, height: float, children: Iterable[str], *, label: str,
             description: str, id_: str, **attrs) -> str:
    """An ``<svg>`` that scales to its container, named for screen readers by a
    ``<title>`` and ``<desc>``."""
    head = (element("title", escape(label), id=f"{id_}-title")
            + element("desc", escape(description), id=f"{id_}-desc"))
    # No xmlns: inline in HTML an <svg> needs none (and the page names no URL at all).
    return element("svg", head + "".join(children), viewBox=f"0 0 {num(width)} {num(height)}",
                   role="img", id=id_, aria_labelledby=f"{id_}-title {id_}-desc", **attrs)


class Scale:
    """A linear map from a data interval onto a drawing interval (either may be reversed)."""

    def __init__(self, domain: tuple[float, float], range_: tuple[float, float]):
        (self.d0, self.d1), (self.r0, self.r1) = domain, range_
        span = self.d1 - self.d0
        self.k = (self.r1 - self.r0) / span if span else 0.0

    def __call__(self, x):
        return self.r0 + (np.asarray(x, dtype=float) - self.d0) * self.k \
            if not np.isscalar(x) else self.r0 + (float(x) - self.d0) * self.k

    def clamp(self, x: float) -> float:
        lo, hi = sorted((self.r0, self.r1))
        return min(max(self(x), lo), hi)


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values within [lo, hi], as near ``count`` of them as round steps allow
    (and at least three when the interval allows): steps of 1, 2 or 5 times a power of
    ten."""
    if not hi > lo:
        return [lo]
    power = 10 ** math.floor(math.log10((hi - lo) / max(count, 1)))
    best: list[float] = []
    for m in (10, 5, 2, 1, 0.5, 0.2, 0.1):  # coarse to fine: a tie keeps the coarser
        step = m * power
        first = math.ceil(lo / step - 1e-9) * step
        n = int(math.floor((hi - first) / step + 1e-9)) + 1
        ticks = [round(first + i * step, 10) for i in range(n)]
        if n >= min(3, count) and (not best or abs(n - count) < abs(len(best) - count)):
            best = ticks
    return best


def envelope(t: np.ndarray, y: np.ndarray, max_points: int) -> tuple[np.ndarray, np.ndarray]:
    """At most about ``max_points`` points that keep every peak: each bucket of samples
    becomes its minimum and maximum, in time order."""
    n = len(y)
    if n <= max_points:
        return t, y
    size = math.ceil(2 * n / max_points)
    keep = []
    for start in range(0, n, size):
        chunk = y[start:start + size]
        if not np.isfinite(chunk).any():
            keep.append(start)
            continue
        i, j = sorted((start + int(np.nanargmin(chunk)), start + int(np.nanargmax(chunk))))
        keep += [i] if i == j else [i, j]
    idx = np.asarray(keep)
    return t[idx], y[idx]


def text_width(content: str, font_size: float) -> float:
    """Rough width of a line of text in a sans-serif face (for laying out labels)."""
    return len(content) * font_size * 0.56
