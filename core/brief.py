"""The one-page executive summary that goes alongside the workbook, as PDF (fpdf2) and as HTML.

Both are drawn from one `Brief`, so they say the same things: the decision in one sentence
(core/decision.py), the headline ROI with the Monte Carlo median, P10–P90 and P(ROI > 0), the range chart
and the tornado (core/static_charts.py), the design's power finding, what is observed and what is forecast,
and the assumptions with their sources. User text is escaped in the HTML and written as plain text in the
PDF (fpdf2 renders no markup unless asked).
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from datetime import date
from html import escape
from pathlib import Path

from core import __version__, decision, design, results, roi, sample_pilot, sensitivity, static_charts
from core import pilot as pl
from core.plan import Plan
from core.words import amount, chance, interval, money, number, p_value


@dataclass
class Brief:
    title: str
    note: str  # date, version, observed or forecast
    basis: str  # "observed" | "forecast"
    decision: str
    question: str
    figures: list[tuple[str, str]]
    headline_note: str
    design: str
    power: str
    effect: str
    drivers: list[str]
    assumptions: list[tuple[str, str, str]]  # (assumption, value, source or basis)
    charts: dict[str, bytes] = field(default_factory=dict)  # "range", "tornado": PNG


def _shown(name: str, value: float) -> str:
    return f"{value:.0%}" if name in roi.SHOWN_AS_PERCENT else number(value)


def content(plan: Plan, facts: pl.PilotFacts | None = None, *, charts: bool = True) -> Brief:
    """Everything the summary says, computed once for both formats (raises roi.InputError on bad inputs)."""
    facts = facts or pl.facts(plan, None)
    r = roi.inputs(plan, facts)
    result = roi.evaluate(r)
    basis = roi.basis(plan)
    swings = sensitivity.one_way(r) if r.ranges else []
    mc = sensitivity.monte_carlo(r) if r.ranges else None
    power = design.power_summary(plan, facts)
    standing = decision.standing(plan, facts, mc=mc, power=power)
    arms = facts.arms
    clusters = (f" in {arms.treated_clusters:,} + {arms.control_clusters:,} {facts.clusters.column} clusters"
                if facts.clusters is not None and arms.treated_clusters is not None else "")
    _, power_sentence = design.headline(plan, facts, power)
    counted = (f"benefits counted for a roll-out to {r.participants:,} people (a forecast)" if r.scope == "rollout"
               else f"benefits counted for the {r.participants:,} treated people")
    fading = f", fading {r.monthly_decay:.0%} a month" if r.monthly_decay else ""
    isolation = roi.ISOLATION_WORDS.get(r.isolation_method, r.isolation_method)
    design_text = (f"{standing.design}: {arms.treated_people:,} treated and {arms.control_people:,} control "
                   f"people{clusters}; effect isolated by {isolation}; {counted}, for {r.horizon_months} months "
                   f"after the program{fading}. {results.arms_statement(plan, facts.ran)}")
    o = plan.results.observed
    unit = r.kpi_unit or "KPI units"
    simulated = sample_pilot.label(plan)
    if basis == "observed" and o is not None:  # as an improvement, like the effect: the estimate inside its interval
        low, high = sorted((pl.direction(plan) * o.ci_low, pl.direction(plan) * o.ci_high))
        effect = (f"{simulated + ' ' if simulated else ''}Observed: the pilot measured an improvement of "
                  f"{amount(r.effect, unit)} (95% CI {interval(low, high, unit)}, "
                  f"{p_value(o.p_value)}; {o.method}). Costs and the other assumptions are forecasts.")
    else:
        effect = (f"Forecast: the plan assumes {amount(r.effect, unit)} per participant; every figure is a "
                  "forecast until the pilot's observed results (step 5) replace it.")
    payback = (f"{result.payback_months:.1f} months" if result.payback_months is not None
               else f"not within {r.horizon_months} months")
    kind = "observed effect" if basis == "observed" else "forecast"
    scope = ", roll-out" if r.scope == "rollout" else ""
    undiscounted = ", undiscounted" if r.horizon_months > 12 else ""
    figures = [(f"ROI ({kind}{scope}{undiscounted}, most likely values)", f"{result.roi_pct:,.0f}%")]
    if mc is not None:
        figures += [("Monte Carlo median (P50)", f"{mc.p50:,.0f}%"),
                    ("P10 to P90", f"{mc.p10:,.0f}% to {mc.p90:,.0f}%"),
                    ("Chance ROI > 0", chance(mc.prob_positive))]
    figures += [("Benefit-cost ratio", f"{result.bcr:.2f}"), ("Total cost (fully loaded)", money(result.total_cost)),
                ("Total benefit", money(result.total_benefit))]
    if r.horizon_months > 12:
        figures += [(f"Net present value ({r.discount_rate:.0%} a year)", money(result.npv)),
                    ("Discounted ROI", f"{result.discounted_roi_pct:,.0f}%")]
    else:
        figures += [("Net benefit", money(result.net_benefit))]
    figures += [("Payback (from the program's end)", payback),
                ("Break-even effect", amount(result.break_even_effect, unit) if result.break_even_effect
                 else "none")]
    drivers = [f"{s.label}: ROI {s.roi_at_low:,.0f}% at {_shown(s.name, s.low)} to {s.roi_at_high:,.0f}% at "
               f"{_shown(s.name, s.high)}" for s in swings[:3]] or ["No ranges given."]
    assumptions = [
        ("Effect per participant", amount(r.effect, unit), "observed (step 5)" if basis == "observed"
         else "forecast (step 4)"),
        ("Value of the KPI", f"${r.value_per_unit:,.2f} {r.value_unit.removeprefix('$ ')}",
         r.value_source or "source not stated"),
        ("Participants", f"{r.participants:,}", "roll-out forecast" if r.scope == "rollout" else "the pilot's "
                                                                                             "treated arm"),
        ("Adoption · attribution · confidence", f"{r.adoption:.0%} · {r.attribution:.0%} · {r.confidence:.0%}",
         "Phillips adjustments (forecast)"),
        ("Contribution margin", f"{r.contribution_margin:.0%}", "assumed in the ROI step (forecast)"),
        ("Horizon · decay · discount rate", f"{r.horizon_months} months · {r.monthly_decay:.0%} a month · "
                                            f"{r.discount_rate:.0%} a year", "forecast"),
    ]
    pictures = {}
    if charts and mc is not None:
        pictures = {"range": static_charts.roi_range(mc), "tornado": static_charts.tornado(swings, result.roi_pct)}
    return Brief(
        title=plan.name,
        note=f"Executive summary · {date.today().isoformat()} · Pilot ROI {__version__} · "
             + ("OBSERVED effect, forecast costs" if basis == "observed" else "FORECAST: the pilot has not "
                                                                               "measured the effect yet")
             + (" · SIMULATED DATA (the sample organisation)" if simulated else ""),
        basis=basis,
        decision=standing.sentence,
        question=plan.goals.business_improvement or "Not stated yet (step 1, Goals).",
        figures=figures,
        headline_note=decision.headline_note(result.roi_pct, mc) if mc is not None else
        "The ROI puts every assumption at its most likely value; give ranges on the ROI page to see how sure it is.",
        design=design_text,
        power=power_sentence,
        effect=effect,
        drivers=drivers,
        assumptions=assumptions,
        charts=pictures,
    )


# -- HTML ----------------------------------------------------------------------------------------------------
def executive_summary(plan: Plan, facts: pl.PilotFacts | None = None) -> str:
    """A self-contained HTML page (charts embedded as PNG data) with the same content as the PDF."""
    b = content(plan, facts)
    figures = "".join(f"<tr><td>{escape(label)}</td><td><b>{escape(value)}</b></td></tr>" for label, value in
                      b.figures)
    charts = "".join(f'<img alt="{escape(name)} chart" src="data:image/png;base64,'
                     f'{base64.b64encode(png).decode()}">' for name, png in b.charts.items())
    rows = "".join(f"<tr><td>{escape(a)}</td><td>{escape(v)}</td><td>{escape(s)}</td></tr>"
                   for a, v, s in b.assumptions)
    drivers = "".join(f"<li>{escape(d)}</li>" for d in b.drivers)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(b.title)}: executive summary</title>
<style>body{{font-family:system-ui,sans-serif;max-width:800px;margin:2em auto;line-height:1.45;color:#222}}
h1{{font-size:1.5em}} .decision{{font-size:1.15em;border-left:4px solid #2e6bd1;padding:.3em .8em}}
.note{{color:#666;font-size:.9em}} td{{padding:.15em .8em .15em 0;vertical-align:top}}
img{{width:49%;min-width:320px}}</style></head>
<body>
<h1>{escape(b.title)}</h1>
<p class="note">{escape(b.note)}</p>
<p class="decision"><b>{escape(b.decision)}</b></p>
<h2>The question</h2><p>{escape(b.question)}</p>
<h2>The result</h2><table>{figures}</table>
<p class="note">{escape(b.headline_note)}</p>
<div>{charts}</div>
<h2>The pilot</h2><p>{escape(b.design)}</p><p><b>{escape(b.power)}</b></p><p>{escape(b.effect)}</p>
<h2>The assumptions that matter most</h2><ul>{drivers}</ul>
<table><tr><th>Assumption</th><th>Value</th><th>Source</th></tr>{rows}</table>
</body></html>
"""


# -- PDF -----------------------------------------------------------------------------------------------------
def _font_files() -> tuple[Path, Path]:
    """DejaVu Sans (regular, bold), shipped with matplotlib: a Unicode font for names in any script."""
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"


QUESTION_CHARS = 400  # the question is cut here on the one page (the HTML has it whole)


def _printable_in(font: Path):
    """(printable, dropped): text with the characters `font` has no glyph for shown as "?", and whether a text
    has any. DejaVu Sans covers Latin, Greek and Cyrillic, not Chinese, Japanese, Korean or emoji."""
    from fontTools.ttLib import TTFont

    covered = set(TTFont(str(font), lazy=True).getBestCmap())

    def keep(ch: str) -> bool:
        return ord(ch) in covered or ch in "\n\t" or ch == "\u200b"

    def printable(value: str) -> str:
        return "".join(ch if keep(ch) else "?" for ch in str(value) if ch not in "\u200d\ufe0f")

    def dropped(value: str) -> bool:
        return any(not keep(ch) for ch in str(value) if ch not in "\u200d\ufe0f")

    return printable, dropped


def summary_pdf(plan: Plan, facts: pl.PilotFacts | None = None) -> bytes:
    """The one-page executive summary as PDF (A4)."""
    from fpdf import FPDF

    b = content(plan, facts)
    printable, dropped = _printable_in(_font_files()[0])
    pdf = FPDF(format="A4")
    pdf.set_title(f"{b.title}: executive summary")
    pdf.set_creator(f"Pilot ROI {__version__}")
    regular, bold = _font_files()
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_margins(14, 12, 14)
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()
    width = pdf.epw

    def text(value: str, size: float = 9, style: str = "", height: float = 4.6, colour: int = 30) -> None:
        pdf.set_font("DejaVu", style, size)
        pdf.set_text_color(colour)
        pdf.multi_cell(width, height, printable(value), align="L", new_x="LMARGIN", new_y="NEXT")

    def heading(value: str) -> None:
        pdf.ln(1.5)
        text(value, 10.5, "B", 5.5)

    text(b.title, 16, "B", 8)
    text(b.note + (" · Characters this PDF's font cannot draw are shown as ?; the HTML summary has them all."
                   if any(dropped(v) for v in (b.title, b.question, *(a for row in b.assumptions for a in row)))
                   else ""), 7.5, colour=100)
    pdf.ln(2)
    pdf.set_fill_color(232, 240, 252)
    pdf.set_font("DejaVu", "B", 10.5)
    pdf.set_text_color(20)
    pdf.multi_cell(width, 5.5, printable(b.decision), fill=True, padding=2, align="L", new_x="LMARGIN",
                   new_y="NEXT")
    heading("The question")
    text(b.question if len(b.question) <= QUESTION_CHARS else b.question[:QUESTION_CHARS - 1] + "…")
    heading("The result")
    pdf.set_font("DejaVu", "", 8.5)
    half = len(b.figures) // 2 + len(b.figures) % 2
    with pdf.table(col_widths=(30, 20, 30, 20), text_align=("LEFT", "RIGHT", "LEFT", "RIGHT"), line_height=4.6,
                   first_row_as_headings=False, borders_layout="HORIZONTAL_LINES") as table:
        for i in range(half):
            row = table.row()
            for label, value in [b.figures[i]] + ([b.figures[half + i]] if half + i < len(b.figures) else []):
                row.cell(printable(label))
                row.cell(printable(value))
    text(b.headline_note, 7.5, colour=90, height=3.8)
    if b.charts:
        top = pdf.get_y() + 1.5
        left = pdf.image(io.BytesIO(b.charts["range"]), x=pdf.l_margin, y=top, w=width / 2 - 2)
        right = pdf.image(io.BytesIO(b.charts["tornado"]), x=pdf.l_margin + width / 2 + 2, y=top, w=width / 2 - 2)
        pdf.set_y(top + max(left.rendered_height, right.rendered_height) + 1)
    heading("The pilot")
    text(b.design)
    text(b.power, style="B")
    text(b.effect)
    heading("The assumptions that matter most")
    text(" · ".join(b.drivers), 8.5, height=4.2)
    pdf.set_font("DejaVu", "", 8)
    with pdf.table(col_widths=(30, 28, 42), line_height=4.2, borders_layout="HORIZONTAL_LINES") as table:
        for row_values in [("Assumption", "Value", "Source or basis"), *b.assumptions]:
            row = table.row()
            for value in row_values:
                row.cell(printable(value))
    return bytes(pdf.output())
