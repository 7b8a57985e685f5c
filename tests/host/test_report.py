"""Reports: the text summary and the self-contained HTML page, checked in a real browser too.

The sets are built by hand (no history database): a repetitions set with two
faults and a hold set with one on the first day, a clean repetitions set on
the second. Their traces are synthetic (seeded) and their faults are exactly
where the trace leaves the tolerance, as the analysis would find them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from korset.analysis.result import Analysis, Fault, Hold, Note, Quality, Trace
from korset.history import SetRecord
from korset.report import ReportError, html_report, text_report
from korset.report.charts import FAULT_BAR
from korsetfw import catalogue as cat

RATE_HZ = 10.0
DAY1 = datetime(2025, 3, 3, 9, 12, tzinfo=UTC)  # a Monday
DAY2 = datetime(2025, 3, 5, 18, 30, tzinfo=UTC)  # a Wednesday
GENERATED = datetime(2025, 3, 6, 12, 0, tzinfo=UTC)


def _bump(t, start_s, end_s, peak_deg):
    """A smooth excursion from start to end reaching peak_deg in the middle."""
    inside = (t > start_s) & (t < end_s)
    out = np.zeros_like(t)
    out[inside] = peak_deg * np.sin(np.pi * (t[inside] - start_s) / (end_s - start_s)) ** 2
    return out


def _faults_in(t, columns, tolerance_deg, start_s, end_s):
    """The runs where an axis is beyond its tolerance in [start_s, end_s]: what the
    analysis reports as faults."""
    faults = []
    judged = (t >= start_s) & (t <= end_s)
    for axis, tol in tolerance_deg.items():
        out = (np.abs(columns[axis]) > tol) & judged
        edges = np.flatnonzero(np.diff(np.concatenate(([0], out.astype(int), [0]))))
        runs = []
        for a, b in zip(edges[::2], edges[1::2], strict=True):
            if runs and a - runs[-1][1] < RATE_HZ:  # back inside for under 1 s: one fault
                runs[-1] = (runs[-1][0], b)
            else:
                runs.append((a, b))
        for a, b in runs:
            k = a + int(np.argmax(np.abs(columns[axis][a:b])))
            faults.append(Fault(float(t[a]), float(t[b - 1]), float(columns[axis][k]), axis))
    return sorted(faults, key=lambda f: f.start_s)


def _analysis(ex, t, columns, reference_s, set_end_s, rep_times_s=(), holds=()):
    faults = _faults_in(t, columns, ex.tolerance_deg, reference_s, set_end_s)
    judged = (t >= reference_s) & (t <= set_end_s)
    outside = np.zeros_like(t, dtype=bool)
    for axis, tol in ex.tolerance_deg.items():
        outside |= np.abs(columns[axis]) > tol
    time_outside = float((outside & judged).sum() / RATE_HZ)
    judged_s = set_end_s - reference_s
    return Analysis(
        exercise=ex.number, exercise_key=ex.key, name_en=ex.name_en, name_da=ex.name_da,
        kind=ex.kind, source="synthetic.kss", rate_hz=104.0, duration_s=float(t[-1]),
        reference_s=reference_s, set_end_s=set_end_s, tolerance_deg=dict(ex.tolerance_deg),
        posture=ex.posture, posture_expected=ex.posture, reps=len(rep_times_s),
        rep_times_s=list(rep_times_s), holds=list(holds), faults=faults,
        quality=Quality(
            max_deviation_deg={a: float(np.max(np.abs(c[judged]))) for a, c in columns.items()},
            time_outside_s=time_outside, time_outside_pct=100 * time_outside / judged_s,
            tempo_s=float(np.median(np.diff(rep_times_s))) if len(rep_times_s) > 1 else None,
            hold_s_mean=float(np.mean([h.duration_s for h in holds])) if holds else None),
        target_reps=ex.reps, target_hold_s=ex.hold_s,
        trace=Trace(RATE_HZ, 0.0, columns))


def reps_set(seed, n_reps, faults):
    """Exercise 3 (rock back, flexion judged at 5 degrees): n_reps small rocks and the
    given (start_s, end_s, peak_deg) faults on flexion."""
    rng = np.random.default_rng(seed)
    ex = cat.get(3)
    t = np.arange(0, 75, 1 / RATE_HZ)
    rep_times = 6.0 + 4.2 * np.arange(n_reps)
    flexion = 1.2 * np.sin(2 * np.pi * (t - 6.0) / 4.2) * (t > 5) * (t < rep_times[-1] + 2)
    flexion += rng.normal(0, 0.25, len(t))
    for start, end, peak in faults:
        flexion += _bump(t, start, end, peak)
    columns = {cat.FLEXION: flexion, cat.LATERAL: rng.normal(0, 0.4, len(t)),
               cat.ROTATION: rng.normal(0, 0.4, len(t))}
    return _analysis(ex, t, columns, 3.0, 70.0, rep_times_s=[float(r) for r in rep_times])


def hold_set(seed):
    """Exercise 1 (find the corset, every axis judged): three holds of 14, 13 and 9 s,
    one fault on lateral bend during the second."""
    rng = np.random.default_rng(seed)
    ex = cat.get(1)
    t = np.arange(0, 60, 1 / RATE_HZ)
    holds = [Hold(5.0, 19.0, 14.0), Hold(24.0, 37.0, 13.0), Hold(42.0, 51.0, 9.0)]
    columns = {axis: rng.normal(0, 0.3, len(t)) for axis in cat.AXES}
    columns[cat.LATERAL] += _bump(t, 28.0, 33.0, 5.6)
    return _analysis(ex, t, columns, 2.0, 55.0, holds=holds)


def _record(set_id, when, analysis):
    return SetRecord(set_id, "board-1", set_id, when.timestamp(), f"/store/{set_id}.kss",
                     analysis)


@pytest.fixture(scope="module")
def records():
    day1_reps = reps_set(1, 14, [(19.0, 24.0, 6.8), (44.0, 49.0, -6.4)])
    day1_hold = hold_set(2)
    day2_reps = reps_set(3, 16, [])
    assert len(day1_reps.faults) == 2 and len(day1_hold.faults) == 1 and not day2_reps.faults
    return [_record(1, DAY1, day1_reps),
            _record(2, DAY1.replace(minute=30), day1_hold),
            _record(3, DAY2, day2_reps)]


# Text


def test_text_report_in_english(records):
    text = text_report(records, "en", tz=UTC)
    assert "Korset report, 3 March 2025 to 5 March 2025" in text
    assert "3 sets on 2 days" in text
    assert "Monday 3 March 2025" in text and "Wednesday 5 March 2025" in text
    assert "09:12  Rock back on all fours (exercise 3)" in text
    assert re.search(r"Repetitions\s+14 \(target 15–20\)", text)
    assert re.search(r"Repetitions\s+16 \(target 15–20\)", text)
    assert re.search(r"Holds\s+3: 14\.0 s, 13\.0 s, 9\.0 s \(target 12–16 s each\)", text)
    # Where and how far each fault went.
    assert len(re.findall(r"\(rep \d+\) forward/back bend [+-]\d\.\d°", text)) == 2
    first, second = records[0].analysis.faults
    assert f"{first.start_s:.1f} s (rep 5) forward/back bend +{first.peak_deg:.1f}°" in text
    assert f"{second.start_s:.1f} s (rep 11) forward/back bend {second.peak_deg:.1f}°" in text
    (held,) = records[1].analysis.faults
    assert f"{held.start_s:.1f} s (hold 2) side bend +{held.peak_deg:.1f}°" in text
    assert re.search(r"Faults\s+none", text)
    assert "Time outside tolerance" in text
    # Progress: the day rows, then what the data says.
    assert re.search(r"3 Mar\s+2\s+14\s+3\s+3\s+1\.5\s", text)
    assert re.search(r"5 Mar\s+1\s+16\s+0\s+0\s+0\.0\s", text)
    said = " ".join(text.split("Observations")[1].split())  # wrapped lines joined
    assert "Fewer faults: 0.0 per set on 5 March, against 2.0 on 3 March." in said
    assert re.search(r"Your lower back moved less: largest movement 1\.\d° on average on 5 "
                     r"March, against 7\.\d° on 3 March\.", said)
    assert "Only the exercises done in both are compared: Rock back on all fours" in said
    assert "1 of 2 sets with repetitions reached the target." in said
    assert "2 of 3 holds lasted long enough (at least 12 s)." in said


def test_text_report_in_danish(records):
    text = text_report(records, "da", tz=UTC)
    assert "Korset-rapport, 3. marts 2025 til 5. marts 2025" in text
    assert "3 sæt på 2 dage" in text
    assert "Mandag den 3. marts 2025" in text and "Onsdag den 5. marts 2025" in text
    assert "kl. 09.12  Vip bagud på alle fire (øvelse 3)" in text
    assert re.search(r"Gentagelser\s+14 \(mål 15–20\)", text)
    # A held position is a "fastholdelse": "hold" is a team or a class in Danish.
    assert re.search(r"Fastholdelser\s+3: 14,0 s, 13,0 s, 9,0 s \(mål 12–16 s hver\)", text)
    assert not re.search(r"\bhold\b", text, re.IGNORECASE)
    assert len(re.findall(r"\(gentagelse \d+\) bøjning frem/tilbage [+-]\d,\d°", text)) == 2
    (held,) = records[1].analysis.faults
    assert f"(fastholdelse 2) sidebøjning +{held.peak_deg:.1f}°: bøjer til højre side" \
        .replace(".", ",", 1) in text
    assert re.search(r"Fejl\s+ingen", text)
    assert "Tid uden for tolerancen" in text
    said = " ".join(text.split("Iagttagelser")[1].split())
    assert "Færre fejl: 0,0 pr. sæt den 5. marts mod 2,0 den 3. marts." in said
    assert "Lænden bevægede sig mindre: største bevægelse 1," in said
    assert "1 af 2 sæt med gentagelser nåede målet." in said
    assert "Rock back" not in text and "Repetitions" not in text


def test_text_report_without_sets_says_so():
    assert "No sets to report yet" in text_report([], "en")
    assert "ingen sæt" in text_report([], "da")


def test_unknown_language_is_an_error(records):
    with pytest.raises(ReportError):
        text_report(records, "de")


def test_set_of_unknown_time_is_marked(records):
    r = records[0]
    unknown = SetRecord(9, "", None, None, r.path, r.analysis, analysed_at_unix_s=DAY2.timestamp())
    text = text_report([unknown], "en", tz=UTC)
    assert "18:30*  Rock back" in text and "clock was not set" in text


# HTML


class _Page(HTMLParser):
    """The tags of a page, each with its attributes and the chain of its ancestors, and
    its text with runs of white space made single spaces."""

    VOID = ("meta", "br", "img", "link", "hr", "input")

    def __init__(self, page):
        super().__init__()
        self.tags, self.stack, self.chunks = [], [], []
        self.feed(page)
        self.close()
        self.text = " ".join(" ".join(self.chunks).split())

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a, list(self.stack)))
        if tag not in self.VOID:
            self.stack.append((tag, a))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs), list(self.stack)))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not any(t in ("style", "title") for t, _ in self.stack):
            self.chunks.append(data)

    def find(self, tag, cls=None, inside=None):
        """Tags with this class (and under an element with id ``inside``)."""
        return [a for t, a, anc in self.tags if t == tag
                and (cls is None or cls in a.get("class", "").split())
                and (inside is None or any(x.get("id") == inside for _, x in anc))]


@pytest.fixture(scope="module")
def page_en(records):
    return html_report(records, "en", patient="Jens Hansen", tz=UTC, generated=GENERATED)


def test_html_has_one_chart_per_set_and_the_progress_charts(records, page_en):
    page = _Page(page_en)
    assert len(page.find("article", "set")) == 3
    assert len(page.find("svg", "set-chart")) == 3
    assert len(page.find("svg", "day-chart")) == 4  # reps, holds, faults per set, movement
    for r in records:
        a, set_id = r.analysis, f"set-{r.id}"
        assert len(page.find("svg", "set-chart", inside=set_id)) == 1
        assert len(page.find("g", "fault", inside=set_id)) == len(a.faults)
        assert len(page.find("circle", "rep", inside=set_id)) == a.reps
        assert len(page.find("g", "hold", inside=set_id)) == len(a.holds)
    # Every SVG is named for screen readers.
    for svg in page.find("svg"):
        ids = svg["aria-labelledby"].split()
        assert ids == [f"{svg['id']}-title", f"{svg['id']}-desc"] and svg["role"] == "img"
    assert len(page.find("title", inside=None)) >= 1 + 3 + 4


def test_html_says_the_figures_in_words(page_en):
    text = _Page(page_en).text
    assert "Patient: Jens Hansen" in text and "Generated: 6 March 2025" in text
    assert "Period: 3 March 2025 to 5 March 2025" in text
    assert "How to read this report" in text
    assert "14 (target 15–20)" in text and "Faults: 2" in text
    assert "forward/back bend: tolerance ±5.0°" in text  # a panel's heading
    assert "time (s)" in text and "degrees" in text
    assert "Fewer faults: 0.0 per set" in text


def test_html_loads_nothing_from_anywhere(page_en):
    page = _Page(page_en)
    csp = [a["content"] for a in page.find("meta")
           if a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in csp[0] and "script-src 'none'" in csp[0]
    for needle in ("http:", "https:", "//", "src=", "href=", "url(", "@import", "<script",
                   "<link", "<img", "xlink"):
        assert needle not in page_en.lower(), needle
    assert len(page_en) < 200_000  # three sets with traces stay small


def test_html_in_danish(records):
    page = html_report(records, "da", tz=UTC, generated=GENERATED)
    assert '<html lang="da">' in page
    text = _Page(page).text
    for words in ("Korset træningsrapport", "Sådan læser du rapporten", "Gentagelser",
                  "Tid uden for tolerancen", "Vip bagud på alle fire (øvelse 3)",
                  "Find korsettet, liggende på ryggen (øvelse 1)", "Mandag den 3. marts 2025",
                  "bøjning frem/tilbage: tolerance ±5,0°", "tid (sekunder)", "grader",
                  "gentagelse", "udgangspunkt", "Lavet: 6. marts 2025", "Fejl pr. sæt"):
        assert words in text, words
    for english in ("Repetitions", "Faults", "degrees", "reference", "How to read"):
        assert english not in text, english


def test_the_analysis_notes_are_worded_in_the_report_language(records):
    """Notes come with codes and figures, not sentences: the Danish report words them in
    Danish, with Danish decimals. The starting posture's note is left out (the figures
    show the posture). A note stored before codes existed keeps its text."""
    noted = Analysis.from_dict(records[0].analysis.to_dict())
    noted.warnings = [
        Note("walked_away", "the patient walked at 61.5 s: the set is judged up to 60.2 s",
             {"at_s": 61.5, "until_s": 60.2}),
        Note("posture", "the set started sitting, not on all fours as the exercise begins",
             {"posture": cat.SITTING, "expected": cat.QUADRUPED}),
        Note("file_damage", "chunk 7 missing", {"detail": "chunk 7 missing"})]
    noted = Analysis.from_dict(noted.to_dict())  # as the history keeps it
    assert noted.warnings[0].values == {"at_s": 61.5, "until_s": 60.2}
    legacy = Analysis.from_dict({**noted.to_dict(), "warnings": ["an old note"]})
    assert legacy.warnings == [Note("text", "an old note")]
    record = _record(9, DAY1, noted)
    danish = text_report([record], "da", tz=UTC)
    assert "Bemærkninger fra analysen: du gik væk efter 61,5 s: sættet er bedømt frem til " \
        "60,2 s" in danish
    # The damage's detail is the decoder's English: the Danish report says it without.
    assert "en del af optagelsen var beskadiget og er sprunget over" in danish
    assert "walked" not in danish and "sitting" not in danish and "chunk" not in danish
    english = _Page(html_report([record], "en", tz=UTC, generated=GENERATED)).text
    assert "you walked off at 61.5 s: the set is judged up to 60.2 s" in english
    old = text_report([_record(9, DAY1, legacy)], "da", tz=UTC)
    assert "an old note" not in old and "kun findes på engelsk" in old
    assert "an old note" in text_report([_record(9, DAY1, legacy)], "en", tz=UTC)


def test_html_without_sets_is_still_a_page():
    page = html_report([], "en", generated=GENERATED)
    assert "There are no exercise sets in this period." in page and "<svg" not in page


def test_html_set_without_trace_says_so(records):
    r = records[0]
    a = Analysis.from_dict(r.analysis.to_dict())  # no trace
    page = html_report([_record(5, DAY1, a)], "en", tz=UTC, generated=GENERATED)
    assert "No movement curve was stored for this set." in page
    assert "set-chart" not in page


# A real browser: Debian's chromium, headless, with a fresh profile and no network.

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _chromium(tmp_path, *args, timeout=60):
    if not Path(CHROMIUM).exists():
        if os.environ.get("KORSET_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing and KORSET_REQUIRE_BROWSER=1")
        pytest.skip(f"no headless browser: {CHROMIUM} is missing (apt-get install chromium); "
                    "set KORSET_REQUIRE_BROWSER=1 to make this a failure")
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    profile.mkdir()
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", "--hide-scrollbars", "--force-device-scale-factor=1",
           f"--user-data-dir={profile}", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def _screenshot(tmp_path, page, name):
    html = tmp_path / f"{name}.html"
    html.write_text(page, encoding="utf-8")
    png = tmp_path / f"{name}.png"
    _chromium(tmp_path, f"--screenshot={png}", "--window-size=1200,3000", html.as_uri())
    import matplotlib.image

    return matplotlib.image.imread(png)[:, :, :3]  # floats 0..1


def _fault_red_pixels(image):
    target = np.array([int(FAULT_BAR[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    return int((np.abs(image - target).max(axis=2) < 0.1).sum())


def test_browser_builds_the_page(tmp_path, records, page_en):
    html = tmp_path / "report.html"
    html.write_text(page_en, encoding="utf-8")
    dom = _chromium(tmp_path, "--dump-dom", html.as_uri())
    for r in records:
        assert f'id="set-{r.id}"' in dom
    assert dom.count("<svg") == 3 + 4
    assert dom.count('class="fault"') == 3 and dom.count('class="rep"') == 14 + 16


def test_browser_draws_faults_in_red(tmp_path, records):
    with_faults = _screenshot(tmp_path, html_report(records[:2], "en", tz=UTC,
                                                    generated=GENERATED), "faults")
    # Not blank: mostly white paper, with ink and colour on it.
    assert with_faults.std() > 0.05
    assert 0.02 < (with_faults.min(axis=2) < 0.9).mean() < 0.6
    red = _fault_red_pixels(with_faults)
    # The same sets without their faults: the red is gone.
    clean = []
    for r in records[:2]:
        a = Analysis.from_dict(r.analysis.to_dict(), trace=r.analysis.trace)
        a.faults = []
        clean.append(_record(r.id, datetime.fromtimestamp(r.started_unix_s, UTC), a))
    without = _screenshot(tmp_path, html_report(clean, "en", tz=UTC, generated=GENERATED),
                          "clean")
    # Only the legends' swatches are left: three faults' strips (each 14 to 20 px wide and
    # 6 tall) made the difference.
    assert red - _fault_red_pixels(without) > 3 * 14 * 6


# The command


def test_report_command_prints_and_writes_the_page(tmp_path, records, capsys):
    from korset.cli import main
    from korset.history import History

    db = tmp_path / "history.sqlite"
    history = History(db)
    for r in records:
        history.add(r.analysis, tmp_path / f"{r.id}.kss", device=r.device, session=r.session,
                    started_unix_s=r.started_unix_s, sha256=f"{r.id:064x}")
    out_html = tmp_path / "rapport.html"
    assert main(["report", "--db", str(db), "--lang", "da", "--html", str(out_html),
                 "--patient", "Jens Hansen"]) == 0
    out = capsys.readouterr().out
    assert "3 sæt på 2 dage" in out and f"Skrev {out_html} (3 sæt" in out
    page = _Page(out_html.read_text(encoding="utf-8"))
    assert len(page.find("svg", "set-chart")) == 3  # the traces came from the history
    assert len(page.find("g", "fault")) == 3 and "Patient: Jens Hansen" in page.text
    # A period without sets, and a history without any: a friendly line, success.
    assert main(["report", "--db", str(db), "--since", "2030-01-01"]) == 0
    assert capsys.readouterr().out == "No sets in that time (3 in the history).\n"
    assert main(["report", "--db", str(tmp_path / "none.sqlite")]) == 0
    assert "No sets to report yet" in capsys.readouterr().out
    assert not (tmp_path / "none.sqlite").exists()


# Sets the analysis could not judge, and a recording the history holds twice


def _unjudged(analysis):
    """``analysis`` as the analysis returns a set it could not judge (never still)."""
    a = Analysis.from_dict(analysis.to_dict(), trace=analysis.trace)
    a.reference_s = a.set_end_s = 0.0
    a.faults, a.rep_times_s, a.reps = [], [], 0
    a.warnings = [Note("never_still_unjudged", "the patient was never still for a second, "
                       "so no reference was taken: nothing is judged")]
    return a


def test_a_set_not_judged_is_no_perfect_set_and_not_in_the_progress(records):
    day2 = records[2]
    unjudged = SetRecord(7, "board-1", 7, DAY2.timestamp() + 600, "/store/7.kss",
                         _unjudged(day2.analysis))
    text = text_report([*records, unjudged], "en", tz=UTC)
    assert re.search(r"18:40  Rock back on all fours \(exercise 3\)\n\s+Result\s+not judged: "
                     r"you were never still for a second, so no reference was taken\n", text)
    # Day 2: one set judged (16 reps, no faults), one not: 0 faults per set, not 0 of 2.
    assert re.search(r"5 Mar\s+1\s+1\s+16\s+0\s+0\s+0\.0\s", text)
    assert "Sets judged" in text and "Not judged" in text
    assert "1 of the 4 sets could not be judged" in " ".join(text.split())
    # The targets count the judged sets only: 0 reps of 15-20 is not a missed target.
    assert "1 of 2 sets with repetitions reached the target." in " ".join(text.split())
    page = _Page(html_report([*records, unjudged], "en", tz=UTC, generated=GENERATED))
    assert len(page.find("article", "set")) == 4 and len(page.find("svg", "set-chart")) == 3
    assert not page.find("svg", "set-chart", inside="set-7")
    assert "Result not judged: you were never still" in page.text
    assert "The set could not be judged, so its movement is not drawn." in page.text


def test_a_recording_saved_twice_is_counted_once(records):
    """A history written before recordings had their own hash may hold one twice (the same
    CSV saved with two tolerances): the report counts its latest result."""
    first, hold, day2 = records
    again = SetRecord(8, first.device, first.session, first.started_unix_s, "/store/8.kss",
                      Analysis.from_dict(first.analysis.to_dict()), analysed_at_unix_s=2.0,
                      recording_sha256="ab" * 32)
    again.analysis.faults = again.analysis.faults[:1]
    older = SetRecord(first.id, first.device, first.session, first.started_unix_s,
                      first.path, first.analysis, analysed_at_unix_s=1.0,
                      recording_sha256="ab" * 32)
    text = text_report([older, hold, day2, again], "en", tz=UTC)
    assert "3 sets on 2 days" in text
    assert re.search(r"3 Mar\s+2\s+14\s+3\s+2\s+1\.0\s", text)  # set 8's one fault, not 1 + 2
    page = _Page(html_report([older, hold, day2, again], "en", tz=UTC, generated=GENERATED))
    assert [a["id"] for a in page.find("article", "set")] == ["set-8", "set-2", "set-3"]
