"""How a command line says a set's counts: as numbers when the analysis is sure of them,
"about" or "could not be counted reliably" when it is not (``korset.report.figures``
decides which; the reports say the same in their own words)."""

from __future__ import annotations


def span(lo_hi, unit: str = "") -> str:
    lo, hi = lo_hi
    return f"{lo:g}{unit}" if lo == hi else f"{lo:g}-{hi:g}{unit}"


def reps_phrase(a) -> str:
    """``14 (target 15-20)``; ``about 14 (13-15; target 15-20)``, ``could not be counted
    reliably (between 3 and 12; target 15-20)`` when the analysis is not sure of it
    (``korset.report.figures.reps_count``)."""
    from korset.report import figures as fig
    from korset.report.language import Language

    L, count = Language("en"), fig.reps_count(a)
    target = [f"target {span(a.target_reps)}"] if a.target_reps else []
    if count.exact:
        return f"{a.reps}" + (f" ({target[0]})" if target else "")
    if count.how == fig.ABOUT:
        head, between = L("reps_about", n=a.reps), span((count.low, count.high))
    else:
        head, between = L("reps_uncounted"), L("reps_between", low=count.low, high=count.high)
    parts = ([between] if count.ranged else []) + target
    return head + (f" ({'; '.join(parts)})" if parts else "")


def work_phrase(a) -> str:
    """A set's work in a phrase of its own (sync, demo): ``16 rep(s)``, ``about 16 rep(s)
    (15-17)``, ``16 rep(s), not reliably counted (between 12 and 18)``; ``3 hold(s)``,
    ``about 3 hold(s)``."""
    from korset.report import figures as fig
    from korsetfw import catalogue as cat

    if a.kind == cat.HOLD:
        return ("" if fig.holds_exact(a) else "about ") + f"{len(a.holds)} hold(s)"
    count = fig.reps_count(a)
    if count.exact:
        return f"{a.reps} rep(s)"
    if count.how == fig.ABOUT:
        return f"about {a.reps} rep(s)" + (f" ({span((count.low, count.high))})"
                                         if count.ranged else "")
    return f"{a.reps} rep(s), not reliably counted (between {count.low} and {count.high})"
