"""Every word the reports show, in English and Danish, and how numbers and dates are written.

All wording lives in ``STRINGS`` (one dict per language, the same keys in
each) so a translation is checked in one place. ``Language`` formats numbers
(Danish writes a decimal comma), degrees, seconds, percentages, dates and
times of day the way each language does.
"""

from __future__ import annotations

from datetime import date, datetime

from korset import KorsetError

LANGUAGES = ("en", "da")


class ReportError(KorsetError):
    pass


STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Korset exercise report",
        "report_header": "Korset report, {period}",
        "period": "{first} to {last}",
        "sets_on_days": "{sets} sets on {days} days",
        "sets_on_one_day": "{sets} sets on 1 day",
        "one_set": "1 set",
        "patient": "Patient",
        "period_label": "Period",
        "generated": "Generated",
        "no_sets": "No sets to report yet. Sets come in with 'korset sync' (from a board) "
                   "and 'korset analyze FILE --save'.",
        "no_sets_html": "There are no exercise sets in this period.",
        "no_sets_in_period": "No sets in that time ({total} in the history).",
        "time_unknown_mark": "*",
        "time_unknown_note": "* the board's clock was not set: the time shown is when the "
                             "set was analysed.",
        "exercise_number": "exercise {n}",
        # per set
        "reps": "Repetitions",
        "reps_value": "{n}",
        "reps_target": "{n} (target {target})",
        # a count the analysis is not sure of (korset.report.figures.reps_count): its
        # brackets hold the range and the target, joined by "; "
        "reps_about": "about {n}",
        "reps_uncounted": "could not be counted reliably",
        "reps_between": "between {low} and {high}",
        "reps_target_part": "target {target}",
        "holds": "Holds",
        "holds_value": "{n}: {durations}",
        "holds_target": "{n}: {durations} (target {target} each)",
        "holds_none": "none",
        "holds_about_value": "about {n}: {durations}",
        "holds_about_target": "about {n}: {durations} (target {target} each)",
        "holds_none_uncertain": "none found",
        "holds_uncertain": "the holds could not be told apart from the rests between them "
                           "reliably, so their number and lengths are uncertain",
        "faults": "Faults",
        "faults_none": "none",
        "time_outside": "Time outside tolerance",
        "time_outside_value": "{seconds} ({pct} of the set)",
        "largest": "Largest movement",
        "largest_value": "{deg} {axis} (tolerance {tol})",
        "largest_value_free": "{deg} {axis}",
        "tempo": "Tempo",
        "tempo_value": "{seconds} per repetition",
        "posture": "Starting position",
        "posture_ok": "{posture}, as the exercise asks",
        "posture_wrong": "measured {posture}; the exercise starts {expected}",
        "warnings": "Notes from the analysis",
        # a set the analysis could not judge (korset.analysis.result.Analysis.not_judged)
        "result": "Result",
        "not_judged_value": "not judged: {reason}",
        "not_judged_mark": "not judged",
        "not_judged_never_still_unjudged": "you were never still for a second, so no "
                                           "reference was taken",
        "not_judged_gyro_unit": "the turning rate in the file is more than a lower back "
                                "does: its units are wrong, so its angles are too",
        "not_judged_nothing_judged": "no part of the recording was judged (the set ended "
                                     "before it began)",
        "not_judged_no_chart": "The set could not be judged, so its movement is not drawn.",
        "wrote_html": "Wrote {path} ({sets} sets, {kb} kB): open it in a web browser, or "
                      "print it from there.",
        # the analysis's notes (korset.analysis.result.Note), by code
        "note_never_still": "you were never still for a second, so no reference was taken",
        "note_never_still_unjudged": "you were never still for a second, so no reference "
                                     "was taken and the set could not be judged",
        "note_walked_away": "you walked off at {at_s}: the set is judged up to {until_s}",
        "note_moved_away": "you moved out of the position at {at_s}: the set is judged up "
                           "to {until_s}",
        "note_reference_again": "the reference was taken {times} times: the set is judged "
                                "from the last one, at {at_s}",
        "note_no_board_reference": "the sensor never took a reference (you were not still in "
                                   "the starting position): it was found in the recording",
        "note_gyro_unit": "the turning rate reaches {rad_s} rad/s, more than a lower back "
                          "turns: the file's units may be wrong",
        "note_file_damage": "part of the recording was damaged ({detail})",
        "note_gap": "the samples stop for {length_s} after {at_s}",
        "note_gap_filled": "{length_s} of samples missing after {at_s} were filled in",
        "note_long_recording": "{minutes} minutes were judged as one set: the counts are "
                               "for the whole recording, not for one set",
        "note_gyro_accel_disagree": "the turning rate and the tilt the sensor measures do "
                                    "not agree: the file's units or axes may be wrong",
        # a note stored by an older korset, without a code: its own (English) text
        "note_uncoded": "{text}",
        "fault_at": "{time} ({where}) {axis} {peak}: {direction}",
        "fault_at_nowhere": "{time} {axis} {peak}: {direction}",
        # which way the lower back moved (body frame: flexion + forward, lateral + to the
        # right, rotation + to the left; korset.analysis.orientation)
        "direction_flexion_pos": "rounding (bending forward)",
        "direction_flexion_neg": "arching (bending backward)",
        "direction_lateral_pos": "bending to the right",
        "direction_lateral_neg": "bending to the left",
        "direction_rotation_pos": "twisting to the left",
        "direction_rotation_neg": "twisting to the right",
        "where_rep": "rep {n}",
        "where_rep_unsure": "a repetition found (the count is uncertain)",
        "where_hold": "hold {n}",
        "fault_col_n": "No.",
        "fault_col_time": "Time",
        "fault_col_where": "During",
        "fault_col_axis": "Movement",
        "fault_col_direction": "Which way",
        "fault_col_peak": "How far",
        "fault_col_length": "How long",
        "no_trace": "No movement curve was stored for this set.",
        # progress
        "progress": "Progress",
        "progress_col_day": "Day",
        "progress_col_sets": "Sets judged",
        "progress_col_not_judged": "Not judged",
        "progress_col_reps": "Reps",
        "progress_col_holds": "Holds",
        "progress_col_faults": "Faults",
        "progress_col_faults_per_set": "Faults per set",
        "progress_col_largest": "Largest movement, mean per set",
        "approx_mark": "~",
        "progress_approx_note": "~ approximate: the day has a set whose count is not "
                                "certain.",
        "observations": "Observations",
        "chart_reps": "Repetitions per day",
        "chart_holds": "Holds per day",
        "chart_faults": "Faults per set",
        "chart_largest": "Largest movement per set, average (degrees)",
        "chart_desc_bars": "{title}: {values}.",
        "one_day_only": "Progress over days shows once there are sets on more than one day.",
        # observations
        "recent_week": "in the last 7 days",
        "earlier_week": "in the 7 days before",
        "recent_day": "on {day}",
        "earlier_day": "on {day}",
        "obs_common": "Only the exercises done in both are compared: {names}.",
        "obs_faults_fewer": "Fewer faults: {a} per set {recent}, against {b} {earlier}.",
        "obs_faults_more": "More faults: {a} per set {recent}, against {b} {earlier}.",
        "obs_faults_same": "About as many faults: {a} per set {recent}, against {b} "
                           "{earlier}.",
        "obs_faults_none": "No faults at all {recent}.",
        "obs_move_less": "Your lower back moved less: largest movement {a} on average "
                         "{recent}, against {b} {earlier}.",
        "obs_move_more": "Your lower back moved more: largest movement {a} on average "
                         "{recent}, against {b} {earlier}.",
        "obs_move_same": "Your lower back moved about as much: largest movement {a} on "
                         "average {recent}, against {b} {earlier}.",
        "obs_reps_target": "{n} of {m} sets with repetitions reached the target.",
        "obs_reps_uncertain": "For {n} of them the count is too uncertain to say.",
        "obs_holds_uncertain": "For {n} of them it is uncertain: the holds could not be "
                               "told apart reliably.",
        "obs_holds_target": "{n} of {m} holds lasted long enough (at least {seconds}).",
        "obs_holds_target_mixed": "{n} of {m} holds lasted as long as their exercise asks.",
        "obs_not_judged": "{n} of the {m} sets could not be judged: they are not counted in "
                          "the progress, the faults or the targets.",
        "obs_none_judged": "No set could be judged, so there is nothing to count.",
        # chart
        "axis_time": "time (s)",
        "axis_degrees": "degrees",
        "panel_title": "{axis}: tolerance ±{tol}",
        "panel_title_free": "{axis}",
        "legend_tolerance": "tolerance",
        "legend_fault": "fault",
        "legend_hold": "hold",
        "legend_rep": "repetition",
        "legend_reference": "reference",
        "legend_end": "set end",
        "legend_not_judged": "not judged",
        "label_reference": "reference",
        "label_end": "end",
        "set_chart_title": "{exercise}: movement of the lower back over time",
        "set_chart_desc": "Deviation of the lower back from the reference, in degrees, "
                          "against time in seconds. {reps} {holds} {faults}",
        "desc_reps": "{n} repetitions marked.",
        "desc_reps_uncertain": "{n} movements marked as repetitions; the count is uncertain.",
        "desc_holds": "{n} holds shown as spans.",
        "desc_holds_uncertain": "{n} holds shown as spans; they are uncertain.",
        "desc_faults": "{n} faults shaded.",
        # explanation
        "explain_title": "How to read this report",
        "explain_unsure": (
            "When the sensor cannot tell exactly how many repetitions or holds you did, the "
            "report says so: \"about 15 (14-16)\" gives the count with the range it may be "
            "in, \"could not be counted reliably\" means the movement did not show the "
            "count clearly, and a day's total marked ~ includes such a count."),
        "explain": [
            "A sensor on your lower back measured how far your lower back moved away from "
            "the position it had when the set began (the reference), in degrees.",
            "The green band is your tolerance. While the curve stays inside it, your lower "
            "back is keeping still. When it goes beyond the tolerance, the sensor buzzes: "
            "that is a fault, shown as a red area with how far you moved.",
            "The numbered dots above the curve are the repetitions counted. Yellow areas "
            "are holds, with how long each lasted.",
            "Time outside tolerance is how long, in total, your lower back was beyond the "
            "tolerance during the set.",
            "Over the days, fewer faults and smaller movements mean that your deep back and "
            "belly muscles (your muscle corset) hold your lower back better.",
        ],
        # axes and postures
        "axis_flexion": "forward/back bend",
        "axis_lateral": "side bend",
        "axis_rotation": "twist",
        "posture_supine": "lying on your back",
        "posture_prone": "lying on your front",
        "posture_side_lying": "lying on your side",
        "posture_quadruped": "on all fours",
        "posture_sitting": "sitting",
        "posture_standing": "standing",
        "posture_any": "in any position",
    },
    "da": {
        "title": "Korset træningsrapport",
        "report_header": "Korset-rapport, {period}",
        "period": "{first} til {last}",
        "sets_on_days": "{sets} sæt på {days} dage",
        "sets_on_one_day": "{sets} sæt på 1 dag",
        "one_set": "1 sæt",
        "patient": "Patient",
        "period_label": "Periode",
        "generated": "Lavet",
        "no_sets": "Der er ingen sæt at vise endnu. Sæt kommer ind med 'korset sync' (fra "
                   "en enhed) og 'korset analyze FIL --save'.",
        "no_sets_html": "Der er ingen træningssæt i denne periode.",
        "no_sets_in_period": "Ingen sæt i den periode ({total} i historikken).",
        "time_unknown_mark": "*",
        "time_unknown_note": "* enhedens ur var ikke stillet: tidspunktet er, hvornår sættet "
                             "blev analyseret.",
        "exercise_number": "øvelse {n}",
        "reps": "Gentagelser",
        "reps_value": "{n}",
        "reps_target": "{n} (mål {target})",
        "reps_about": "ca. {n}",
        "reps_uncounted": "kunne ikke tælles sikkert",
        "reps_between": "mellem {low} og {high}",
        "reps_target_part": "mål {target}",
        "holds": "Fastholdelser",
        "holds_value": "{n}: {durations}",
        "holds_target": "{n}: {durations} (mål {target} hver)",
        "holds_none": "ingen",
        "holds_about_value": "ca. {n}: {durations}",
        "holds_about_target": "ca. {n}: {durations} (mål {target} hver)",
        "holds_none_uncertain": "ingen fundet",
        "holds_uncertain": "fastholdelserne kunne ikke skelnes sikkert fra pauserne imellem "
                           "dem, så antal og længder er usikre",
        "faults": "Fejl",
        "faults_none": "ingen",
        "time_outside": "Tid uden for tolerancen",
        "time_outside_value": "{seconds} ({pct} af sættet)",
        "largest": "Største bevægelse",
        "largest_value": "{deg} {axis} (tolerance {tol})",
        "largest_value_free": "{deg} {axis}",
        "tempo": "Tempo",
        "tempo_value": "{seconds} pr. gentagelse",
        "posture": "Udgangsstilling",
        "posture_ok": "{posture}, som øvelsen foreskriver",
        "posture_wrong": "målt {posture}; øvelsen starter {expected}",
        "warnings": "Bemærkninger fra analysen",
        "result": "Resultat",
        "not_judged_value": "ikke bedømt: {reason}",
        "not_judged_mark": "ikke bedømt",
        "not_judged_never_still_unjudged": "du var aldrig i ro et helt sekund, så der blev "
                                           "ikke taget en reference",
        "not_judged_gyro_unit": "drejehastigheden i filen er større, end en lænd kan dreje: "
                                "dens enheder er forkerte, og derfor er vinklerne det også",
        "not_judged_nothing_judged": "ingen del af optagelsen blev bedømt (sættet sluttede, "
                                     "før det begyndte)",
        "not_judged_no_chart": "Sættet kunne ikke bedømmes, så bevægelsen er ikke tegnet.",
        "wrote_html": "Skrev {path} ({sets} sæt, {kb} kB): åbn den i en webbrowser, eller "
                      "udskriv den derfra.",
        "note_never_still": "du var aldrig i ro et helt sekund, så der blev ikke taget en "
                            "reference",
        "note_never_still_unjudged": "du var aldrig i ro et helt sekund, så der blev ikke "
                                     "taget en reference, og sættet kunne ikke bedømmes",
        "note_walked_away": "du gik væk efter {at_s}: sættet er bedømt frem til {until_s}",
        "note_moved_away": "du bevægede dig ud af stillingen efter {at_s}: sættet er bedømt "
                           "frem til {until_s}",
        "note_reference_again": "referencen blev taget {times} gange: sættet er bedømt fra "
                                "den sidste, efter {at_s}",
        "note_no_board_reference": "sensoren tog aldrig en reference (du var ikke i ro i "
                                   "udgangsstillingen): den er fundet i optagelsen",
        "note_gyro_unit": "drejehastigheden når {rad_s} rad/s, mere end en lænd drejer: "
                          "filens enheder er måske forkerte",
        # The damage's detail is the decoder's English: said here without it.
        "note_file_damage": "en del af optagelsen var beskadiget og er sprunget over",
        "note_gap": "målingerne stopper i {length_s} efter {at_s}",
        "note_gap_filled": "{length_s} manglende målinger efter {at_s} blev udfyldt",
        "note_long_recording": "{minutes} minutter blev bedømt som ét sæt: tallene gælder "
                               "hele optagelsen, ikke ét sæt",
        "note_gyro_accel_disagree": "drejehastigheden og den hældning, sensoren måler, passer "
                                    "ikke sammen: filens enheder eller akser er måske "
                                    "forkerte",
        "note_uncoded": "en bemærkning fra en ældre udgave af analysen, som kun findes på "
                        "engelsk (analysér sættet igen for at få den på dansk)",
        "fault_at": "{time} ({where}) {axis} {peak}: {direction}",
        "fault_at_nowhere": "{time} {axis} {peak}: {direction}",
        "direction_flexion_pos": "runder lænden (bøjer forover)",
        "direction_flexion_neg": "svajer i lænden (bøjer bagover)",
        "direction_lateral_pos": "bøjer til højre side",
        "direction_lateral_neg": "bøjer til venstre side",
        "direction_rotation_pos": "drejer til venstre",
        "direction_rotation_neg": "drejer til højre",
        "where_rep": "gentagelse {n}",
        "where_rep_unsure": "en gentagelse fundet (optællingen er usikker)",
        "where_hold": "fastholdelse {n}",
        "fault_col_n": "Nr.",
        "fault_col_time": "Tid",
        "fault_col_where": "Under",
        "fault_col_axis": "Bevægelse",
        "fault_col_direction": "Hvilken vej",
        "fault_col_peak": "Hvor langt",
        "fault_col_length": "Hvor længe",
        "no_trace": "Der er ikke gemt en bevægelseskurve for dette sæt.",
        "progress": "Udvikling",
        "progress_col_day": "Dag",
        "progress_col_sets": "Bedømte sæt",
        "progress_col_not_judged": "Ikke bedømt",
        "progress_col_reps": "Gentagelser",
        "progress_col_holds": "Fastholdelser",
        "progress_col_faults": "Fejl",
        "progress_col_faults_per_set": "Fejl pr. sæt",
        "progress_col_largest": "Største bevægelse, gns. pr. sæt",
        "approx_mark": "~",
        "progress_approx_note": "~ omtrentligt: dagen har et sæt, hvis optælling er usikker.",
        "observations": "Iagttagelser",
        "chart_reps": "Gentagelser pr. dag",
        "chart_holds": "Fastholdelser pr. dag",
        "chart_faults": "Fejl pr. sæt",
        "chart_largest": "Største bevægelse pr. sæt, gennemsnit (grader)",
        "chart_desc_bars": "{title}: {values}.",
        "one_day_only": "Udviklingen over dage vises, når der er sæt på mere end én dag.",
        "recent_week": "de seneste 7 dage",
        "earlier_week": "de 7 dage før",
        "recent_day": "den {day}",
        "earlier_day": "den {day}",
        "obs_common": "Kun de øvelser, der er lavet i begge perioder, er sammenlignet: "
                      "{names}.",
        "obs_faults_fewer": "Færre fejl: {a} pr. sæt {recent} mod {b} {earlier}.",
        "obs_faults_more": "Flere fejl: {a} pr. sæt {recent} mod {b} {earlier}.",
        "obs_faults_same": "Omtrent lige så mange fejl: {a} pr. sæt {recent} mod {b} "
                           "{earlier}.",
        "obs_faults_none": "Ingen fejl overhovedet {recent}.",
        "obs_move_less": "Lænden bevægede sig mindre: største bevægelse {a} i gennemsnit "
                         "{recent} mod {b} {earlier}.",
        "obs_move_more": "Lænden bevægede sig mere: største bevægelse {a} i gennemsnit "
                         "{recent} mod {b} {earlier}.",
        "obs_move_same": "Lænden bevægede sig omtrent lige så meget: største bevægelse {a} "
                         "i gennemsnit {recent} mod {b} {earlier}.",
        "obs_reps_target": "{n} af {m} sæt med gentagelser nåede målet.",
        "obs_reps_uncertain": "For {n} af dem er optællingen for usikker til at afgøre det.",
        "obs_holds_uncertain": "For {n} af dem er det usikkert: fastholdelserne kunne ikke "
                               "skelnes sikkert.",
        "obs_holds_target": "{n} af {m} fastholdelser varede længe nok (mindst {seconds}).",
        "obs_holds_target_mixed": "{n} af {m} fastholdelser varede så længe, som øvelsen "
                                  "foreskriver.",
        "obs_not_judged": "{n} af de {m} sæt kunne ikke bedømmes: de er ikke talt med i "
                          "udviklingen, fejlene eller målene.",
        "obs_none_judged": "Ingen af sættene kunne bedømmes, så der er intet at tælle.",
        "axis_time": "tid (sekunder)",
        "axis_degrees": "grader",
        "panel_title": "{axis}: tolerance ±{tol}",
        "panel_title_free": "{axis}",
        "legend_tolerance": "tolerance",
        "legend_fault": "fejl",
        "legend_hold": "fastholdelse",
        "legend_rep": "gentagelse",
        "legend_reference": "udgangspunkt",
        "legend_end": "sættets slutning",
        "legend_not_judged": "ikke bedømt",
        "label_reference": "udgangspunkt",
        "label_end": "slut",
        "set_chart_title": "{exercise}: lændens bevægelse over tid",
        "set_chart_desc": "Lændens afvigelse fra udgangspunktet i grader over tid i sekunder. "
                          "{reps} {holds} {faults}",
        "desc_reps": "{n} gentagelser markeret.",
        "desc_reps_uncertain": "{n} bevægelser markeret som gentagelser; optællingen er "
                               "usikker.",
        "desc_holds": "{n} fastholdelser vist som felter.",
        "desc_holds_uncertain": "{n} fastholdelser vist som felter; de er usikre.",
        "desc_faults": "{n} fejl skraveret.",
        "explain_title": "Sådan læser du rapporten",
        "explain_unsure": (
            "Når sensoren ikke kan afgøre præcis, hvor mange gentagelser eller "
            "fastholdelser du lavede, står det i rapporten: \"ca. 15 (14-16)\" er tallet "
            "med det spænd, det kan ligge i, \"kunne ikke tælles sikkert\" betyder, at "
            "bevægelsen ikke viste tallet tydeligt, og en dags total mærket ~ rummer sådan "
            "en optælling."),
        "explain": [
            "En sensor på din lænd har målt, hvor meget lænden bevægede sig væk fra den "
            "stilling, den havde, da sættet begyndte (udgangspunktet). Bevægelsen måles i "
            "grader.",
            "Det grønne bånd er din tolerance. Så længe kurven holder sig inden for båndet, "
            "holder du lænden i ro. Bevæger lænden sig uden for tolerancen, vibrerer "
            "sensoren: det er en fejl, og den vises som et rødt felt med, hvor langt du "
            "bevægede dig.",
            "De nummererede prikker over kurven er de gentagelser, der er talt. Gule felter "
            "er fastholdelser (hvor du holder stillingen), med hvor længe hver fastholdelse "
            "varede.",
            "Tid uden for tolerancen er, hvor længe lænden i alt var uden for tolerancen i "
            "løbet af sættet.",
            "Færre fejl og mindre bevægelser over dagene betyder, at dine dybe ryg- og "
            "mavemuskler (dit muskelkorset) holder bedre på lænden.",
        ],
        "axis_flexion": "bøjning frem/tilbage",
        "axis_lateral": "sidebøjning",
        "axis_rotation": "drejning",
        "posture_supine": "liggende på ryggen",
        "posture_prone": "liggende på maven",
        "posture_side_lying": "liggende på siden",
        "posture_quadruped": "på alle fire",
        "posture_sitting": "siddende",
        "posture_standing": "stående",
        "posture_any": "i en vilkårlig stilling",
    },
}

_WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "da": ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"),
}
_MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "da": ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
           "september", "oktober", "november", "december"),
}
_MONTHS_SHORT = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
           "Dec"),
    "da": ("jan.", "feb.", "mar.", "apr.", "maj", "jun.", "jul.", "aug.", "sep.", "okt.",
           "nov.", "dec."),
}


class Language:
    """The wording and number and date formats of one language (``en`` or ``da``)."""

    def __init__(self, code: str):
        if code not in LANGUAGES:
            raise ReportError(f"no report language {code!r} (languages: "
                              f"{', '.join(LANGUAGES)})")
        self.code = code
        self._strings = STRINGS[code]

    def __call__(self, key: str, **values) -> str:
        """The string ``key``, with ``values`` filled in."""
        return self._strings[key].format(**values) if values else self._strings[key]

    def paragraphs(self, key: str) -> list[str]:
        return list(self._strings[key])

    def num(self, x: float, digits: int = 1) -> str:
        text = f"{x:.{digits}f}"
        if text.lstrip("-").strip("0.") == "":
            text = text.lstrip("-")  # never "-0.0"
        return text.replace(".", ",") if self.code == "da" else text

    def signed_deg(self, x: float) -> str:
        return ("+" if x > 0 else "") + self.num(x) + "°"

    def deg(self, x: float) -> str:
        return self.num(x) + "°"

    def seconds(self, x: float, digits: int = 1) -> str:
        return self.num(x, digits) + " s"

    def pct(self, x: float) -> str:
        # Danish puts a space before the percent sign (Retskrivningsordbogen).
        return self.num(x, 0) + (" %" if self.code == "da" else "%")

    def span(self, lo: float, hi: float, unit: str = "") -> str:
        """A target range, e.g. ``15-20`` (the en dash is typeset in HTML and terminals)."""
        lo_text, hi_text = self.num(lo, 0), self.num(hi, 0)
        return (lo_text if lo == hi else f"{lo_text}–{hi_text}") + unit

    def date_long(self, d: date) -> str:
        """Monday 3 March 2025 / mandag den 3. marts 2025."""
        weekday, month = _WEEKDAYS[self.code][d.weekday()], _MONTHS[self.code][d.month - 1]
        if self.code == "da":
            return f"{weekday} den {d.day}. {month} {d.year}"
        return f"{weekday} {d.day} {month} {d.year}"

    def date_plain(self, d: date) -> str:
        """3 March 2025 / 3. marts 2025."""
        month = _MONTHS[self.code][d.month - 1]
        return f"{d.day}. {month} {d.year}" if self.code == "da" else f"{d.day} {month} {d.year}"

    def day_month(self, d: date) -> str:
        """3 March / 3. marts."""
        month = _MONTHS[self.code][d.month - 1]
        return f"{d.day}. {month}" if self.code == "da" else f"{d.day} {month}"

    def date_short(self, d: date) -> str:
        """3 Mar / 3. mar. (chart labels)."""
        month = _MONTHS_SHORT[self.code][d.month - 1]
        return f"{d.day}. {month}" if self.code == "da" else f"{d.day} {month}"

    def time_of_day(self, t: datetime) -> str:
        """09:12 / kl. 09.12 (Danish writes the time with a full stop)."""
        return f"kl. {t:%H.%M}" if self.code == "da" else f"{t:%H:%M}"

    def axis(self, name: str) -> str:
        return self._strings.get(f"axis_{name}", name)

    def posture(self, name: str) -> str:
        return self._strings.get(f"posture_{name}", name.replace("_", " "))

    def note(self, note) -> str:
        """One of the analysis's notes (``korset.analysis.result.Note``) in this language:
        its code's wording with its values (``*_s`` times in seconds). A note without
        wording here (stored before notes had codes, or by a newer korset) is its English
        text in English, and said to be only in English in another language."""
        template = self._strings.get(f"note_{note.code}")
        if template is None:
            return self("note_uncoded", text=note.text)
        values = {k: self.seconds(v) if k.endswith("_s") else v
                  for k, v in note.values.items()}
        try:
            return template.format(**values)
        except (KeyError, IndexError):  # its figures are not the ones worded here
            return self("note_uncoded", text=note.text)

    def not_judged(self, analysis) -> str:
        """Why the analysis could not judge the set (``Analysis.not_judged``), in words."""
        return self._strings.get(f"not_judged_{analysis.not_judged}",
                                 self._strings["not_judged_nothing_judged"])

    def direction(self, axis: str, deg: float) -> str:
        """Which way the lower back moved on ``axis`` for a signed deviation: rounding or
        arching, bending to the left or right, twisting to the left or right."""
        return self._strings.get(f"direction_{axis}_{'pos' if deg > 0 else 'neg'}", "")

    def exercise(self, analysis) -> str:
        """The exercise's name in this language, with its leaflet number when it has one."""
        name = analysis.name_da if self.code == "da" else analysis.name_en
        if isinstance(analysis.exercise, int):
            return f"{name} ({self('exercise_number', n=analysis.exercise)})"
        return name


def capitalised(text: str) -> str:
    """First letter upper case (Danish weekdays start a heading in lower case otherwise)."""
    return text[:1].upper() + text[1:]
