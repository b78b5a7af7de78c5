"""The plan's review cadence and the living registry: reviews on day 30, 60 and 90 of the pilot and then quarterly
after a roll-out, each with an owner; what is due or overdue; holding a review records the pilot's interim (or
final) reading on the pilot's hypothesis with who reviewed it; and a one-page status report (HTML and PDF).

The cadence follows the strategy the product grew from (../shared/seeds): accountable owners, a reporting cadence
aligned with the business's decision cycle, quarterly reviews after a roll-out, and a hypothesis registry that
keeps assumed beside observed impact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from html import escape
from typing import TYPE_CHECKING

from core import pilot as pl
from core.plan import Observation, Plan, Review
from core.words import number

if TYPE_CHECKING:
    from core.store import Store

DUE_SOON = 14  # days before its date a review counts as due
QUARTERS_AFTER = 4  # quarterly reviews after the pilot (the roll-out's first year)


def cadence(plan: Plan) -> list[Review]:
    """Reviews every 30 days of the pilot (day 30, 60, 90 for a 90-day pilot; the last on its final day), then one
    a quarter for a year after the pilot and its measurement window have ended. The owner is the primary KPI's
    owner, else the first stakeholder."""
    import pandas as pd

    start = pl.start_date(plan.pilot)
    if start is None:
        raise ValueError("set the pilot's start date in step 4 first: the reviews are counted from it")
    kpi = plan.primary_kpi()
    owner = (kpi.owner if kpi and kpi.owner else next((s.name for s in plan.stakeholders if s.name), ""))
    days = plan.pilot.intervention_days
    marks = sorted({*range(30, days, 30), days})
    found = [Review(f"Day {d} review", (start + timedelta(days=d)).isoformat(), owner) for d in marks]
    windows = pl.windows(plan.pilot)
    end = max(start + timedelta(days=days), windows.measurement[1] - timedelta(days=1))  # after the outcome is in
    found += [Review(f"Quarter {q} after the pilot (roll-out review)",
                     (pd.Timestamp(end) + pd.DateOffset(months=3 * q)).date().isoformat(), owner)
              for q in range(1, QUARTERS_AFTER + 1)]
    return found


def status(review: Review, today: date) -> str:
    """"held", "overdue", "due" (within DUE_SOON days) or "upcoming"."""
    if review.held_on:
        return "held"
    due = _day(review.due)
    if due is None:
        return "upcoming"
    if due < today:
        return "overdue"
    return "due" if (due - today).days <= DUE_SOON else "upcoming"


def next_review(plan: Plan, today: date) -> Review | None:
    """The earliest review not held yet."""
    waiting = [r for r in plan.reviews if not r.held_on]
    return min(waiting, key=lambda r: r.due or "9999") if waiting else None


def due_words(plan: Plan, today: date) -> str:
    """The Plans and Portfolio column: "overdue: Day 60 review (due 30 Aug 2026; owner Ana)", "due …", "next …",
    "all held", or "no cadence"."""
    if not plan.reviews:
        return "no cadence"
    upcoming = next_review(plan, today)
    if upcoming is None:
        return "all held"
    state = status(upcoming, today)
    late = sum(status(r, today) == "overdue" for r in plan.reviews)
    owner = f"; owner {upcoming.owner}" if upcoming.owner else ""
    more = f" and {late - 1} more" if late > 1 else ""
    label = {"overdue": "overdue", "due": "due", "upcoming": "next"}[state]
    return f"{label}: {upcoming.title} (due {shown_day(upcoming.due)}{owner}){more if state == 'overdue' else ''}"


def hold(plan: Plan, index: int, *, by: str, notes: str, pending: str, reading: Observation | None,
         numbers: list[str] | None = None, health: list[str] | None = None) -> None:
    """Mark review `index` held by `by` now, keep what it saw (`numbers`, `health`: its report stays as it was)
    and the pilot's reading (if any) on its hypothesis."""
    review = plan.reviews[index]
    review.held_on = datetime.now(UTC).isoformat(timespec="seconds")
    review.held_by, review.notes, review.pending = by, notes, pending
    review.numbers, review.health = list(numbers or []), list(health or [])
    if reading is not None and plan.hypotheses:
        reading.reviewed_by = by
        plan.hypotheses[0].observations.append(reading)


def reading(*, words: str, effect: float, ci_low: float, ci_high: float, months: int, wanted: int,
            verdict: str) -> Observation:
    """The pilot's current estimate as a registry value: interim while the window is incomplete, else final."""
    return Observation(datetime.now(UTC).isoformat(timespec="seconds"), "interim" if months < wanted else "final",
                       words, effect, ci_low, ci_high, months, verdict)


def registry_rows(plan: Plan) -> list[dict[str, str]]:
    """The living registry: each hypothesis's assumed value and every value read since, newest last."""
    rows = []
    for h in plan.hypotheses:
        assumed = f"{number(h.assumed_size)} {h.unit}".strip() if h.assumed_size is not None else "—"
        for o in h.observations or [None]:
            rows.append({"hypothesis": f"{h.kpi} {h.direction}", "assumed": assumed,
                         "read": "—" if o is None else f"{o.kind}, {shown_day(o.at)} ({o.months} month"
                                                       f"{'' if o.months == 1 else 's'} of data)",
                         "observed": "not read yet" if o is None else o.words,
                         "verdict": "" if o is None else o.verdict,
                         "reviewed by": "" if o is None else o.reviewed_by})
    return rows


# -- the status report ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Report:
    title: str
    subtitle: str
    sections: list[tuple[str, list[str]]]


def previous(plan: Plan, review: Review) -> Review | None:
    """The last review held before `review` (before now, when `review` is not held yet)."""
    cutoff = review.held_on or "9999"
    held = [r for r in plan.reviews if r.held_on and r is not review and r.held_on < cutoff]
    return max(held, key=lambda r: r.held_on) if held else None


def changes_since(store: Store, plan: Plan, review: Review, facts: pl.PilotFacts) -> list[str]:
    """What changed since the review held before `review`: the plan as it stood then (the newest version the
    history kept by that time) against now, the reviews' own records left out; at the first review, the
    pre-registration's deviations; [] with neither."""
    from core import design, plan_diff
    from core.store import NotFoundError

    last = previous(plan, review)
    if last is None:
        return [f"{name}: {registered or '—'} → {now or '—'}"
                for name, registered, now in design.deviations(plan, facts)]
    kept = [h for h in store.history(plan.id) if h.saved_at <= last.held_on and h.kind == "saved"]
    try:
        before = store.load_history(kept[0].id) if kept else None
    except NotFoundError:
        return []
    return plan_diff.changes(before, plan, limit=10, ignore=("reviews", ".observations")) if before else []


def report(plan: Plan, review: Review, *, changes: list[str], numbers: list[str], health: list[str],
           signatures: list[str], today: date) -> Report:
    """One page for the review: what changed since the last one held before it (`changes`: the plan then against
    now, from the history), or since the pre-registration at the first review (its deviations), the interim
    numbers with their boundary and the pilot's health (as the review saw them once held), the sign-offs and the
    decisions pending (with those the review before left open)."""
    last = previous(plan, review)
    since = (f"since the {last.title.lower()} ({shown_day(last.held_on)})" if last
             else f"since the pre-registration ({shown_day(plan.design.preregistration.locked_at)})"
             if plan.design.preregistration else "")
    if review.held_on:  # a held review's report is what it saw then
        numbers, health = review.numbers or numbers, review.health or health
    owner = f"owner {review.owner}" if review.owner else "no owner named"
    when = (f"held {shown_day(review.held_on)} by {review.held_by}" if review.held_on
            else f"due {shown_day(review.due)} ({status(review, today)})")
    sections = [
        (f"What changed {since}" if since else "What changed",
         changes or (["nothing in the plan"] if since else ["the first review, with no pre-registration to compare "
                                                             "with: lock it in step 4"])),
        ("The numbers so far", numbers or ["no outcome data yet"]),
        ("Pilot health", health or ["no monthly data yet"]),
        ("Sign-offs", signatures or ["none yet"]),
        ("Decisions pending", [line for line in (review.pending, f"from the {last.title.lower()}: {last.pending}"
                                                  if last and last.pending else "") if line] or ["none recorded"]),
    ]
    if review.notes:
        sections.insert(4, ("Notes", [review.notes]))
    return Report(f"{plan.name}: {review.title}", f"{when}; {owner}; printed {today:%d %b %Y}", sections)


def report_html(found: Report) -> str:
    """The status report as a standalone HTML page (all text escaped)."""
    parts = "".join(f"<h2>{escape(heading)}</h2><ul>{''.join(f'<li>{escape(line)}</li>' for line in lines)}</ul>"
                    for heading, lines in found.sections)  # li keeps the notes' line breaks (pre-wrap)
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(found.title)}</title>"
            "<style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;color:#222}"
            "h1{font-size:1.4rem}h2{font-size:1.05rem;margin-top:1.2rem}p{color:#666}li{white-space:pre-wrap}"
            "</style></head><body>"
            f"<h1>{escape(found.title)}</h1><p>{escape(found.subtitle)}</p>{parts}</body></html>")


def report_pdf(found: Report) -> bytes:
    """The status report as a one-page A4 PDF (the fonts and glyph check of the executive summary)."""
    from fpdf import FPDF

    from core.brief import _font_files, _printable_in

    regular, bold = _font_files()
    printable, dropped = _printable_in(regular)
    pdf = FPDF(format="A4")
    pdf.set_title(found.title)
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_margins(16, 14, 16)
    pdf.set_auto_page_break(True, margin=14)
    pdf.add_page()

    def text(value: str, size: float = 9.5, style: str = "", height: float = 5.0, colour: int = 30) -> None:
        pdf.set_font("DejaVu", style, size)
        pdf.set_text_color(colour)
        pdf.multi_cell(pdf.epw, height, printable(value), align="L", new_x="LMARGIN", new_y="NEXT")

    text(found.title, 15, "B", 7.5)
    lost = any(dropped(v) for v in (found.title, *(line for _, lines in found.sections for line in lines)))
    text(found.subtitle + (" · Characters this PDF's font cannot draw (emoji, some scripts) are shown as ?; the "
                           "HTML report has them all." if lost else ""), 8, colour=100)
    for heading, lines in found.sections:
        pdf.ln(2)
        text(heading, 11, "B", 6)
        for line in lines:
            text(f"• {line}")
    return bytes(pdf.output())


def due_date(value: object) -> str:
    """A review date from the cadence editor as ISO text, or "" when it is empty or outside 2000–2100."""
    day = _day(str(value or ""))
    return day.isoformat() if day is not None and 2000 <= day.year <= 2100 else ""


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def shown_day(value: str) -> str:
    """An ISO date or time as "31 Jul 2026" (the text itself when it is not one)."""
    day = _day(value)
    return f"{day:%d %b %Y}" if day else (value or "—")
