"""Reports of the history's sets for a patient: a terminal summary and a self-contained HTML page.

``text_report(records, lang)`` and ``html_report(records, lang, title, patient)``
take ``korset.history.SetRecord``s (with traces, for the HTML's charts) and
return text. Modules: ``language`` (every word, in English and Danish, and
number and date formats), ``figures`` (the numbers: per set, per day,
trends), ``describe`` (sentences and rows from them), ``text`` and ``html``
(the two layouts), ``charts`` (the SVG pictures) on ``svg`` (a few SVG
primitives).
"""

from korset.report.html import html_report
from korset.report.language import LANGUAGES, ReportError
from korset.report.text import text_report

__all__ = ["LANGUAGES", "ReportError", "html_report", "text_report"]
