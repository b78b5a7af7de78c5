"""Step 5's own record of who actually took part, beside step 4's plan (the assignment list), which it never changes.

Planned: the assignment list. As run: the people step 5 says took part (a column of the people table and the
values of those who did). Cross-overs both ways and people outside the list are counted, so every page and export
can say how far the pilot as run departed from the pilot as planned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.plan import Plan
from core.words import count

if TYPE_CHECKING:
    from core.panel import Panel

TREATMENT, CONTROL = "treatment", "control"


def took_part_ids(plan: Plan, panel: Panel) -> set[str] | None:
    """The ids step 5 says actually took part (a column of the people table and the values of those who did), or
    None when step 5 has not said."""
    chosen = plan.results.participation
    if not chosen:
        return None
    column, values = next(iter(chosen.items()))
    people = panel.people
    if column not in people.columns:
        raise ValueError(f"the column “{column}” that says who took part is not in the data any more")
    kept = people[column].astype("string").fillna("").isin(values)
    return {str(i) for i in people.index[kept.to_numpy()]}


@dataclass(frozen=True)
class AsRun:
    """Planned (the assignment list) beside as-run (who actually took part), in people."""

    assigned_treated: int
    assigned_control: int
    took_part: int | None  # of the assigned treated, how many took part (None: step 5 has not said)
    no_shows: int  # assigned to the program, did not take part
    crossovers: int  # assigned to control, took part anyway
    outside: int  # took part without being on the list

    @property
    def differs(self) -> bool:
        return bool(self.no_shows or self.crossovers or self.outside)

    @property
    def compliance(self) -> float | None:
        """Share of the assigned treated who took part minus the share of controls who did (the first stage)."""
        if self.took_part is None or not self.assigned_treated or not self.assigned_control:
            return None
        return self.took_part / self.assigned_treated - self.crossovers / self.assigned_control


def as_run(plan: Plan, panel: Panel) -> AsRun | None:
    """Who was assigned and who actually took part, side by side (None without an assignment list). Without a
    record of who took part, everyone is taken to have taken part as assigned, and `took_part` says so (None)."""
    listed = plan.design.assignment
    if not listed:
        return None
    treated = {a.id for a in listed if a.arm == TREATMENT}
    control = {a.id for a in listed if a.arm == CONTROL}
    took_part = took_part_ids(plan, panel)
    if took_part is None:
        return AsRun(len(treated), len(control), None, 0, 0, 0)
    return AsRun(len(treated), len(control), len(treated & took_part), len(treated - took_part),
                 len(control & took_part), len(took_part - treated - control))


def departures(found: AsRun) -> str:
    """How as-run departs from planned, as a list of clauses ("" when they agree or step 5 has not said)."""
    if found.took_part is None or not found.differs:
        return ""
    parts = []
    if found.no_shows:
        parts.append(f"{count(found.no_shows, 'person', 'people')} assigned to the program did not take part")
    if found.crossovers:
        parts.append(f"{count(found.crossovers, 'control')} took part anyway")
    if found.outside:
        parts.append(f"{count(found.outside, 'person', 'people')} not on the list took part")
    return "; ".join(parts)


def as_run_words(found: AsRun) -> str:
    """The difference between planned and as-run in plain words, with what it means ("" when they agree)."""
    said = departures(found)
    if not said:
        return ""
    return ("Who took part is not the list that was drawn: " + said + ". The registered estimate compares the "
            "arms as drawn (intent to treat): it is the effect of offering the program to the teams the list chose, "
            "which is what a roll-out would do, diluted by whoever did not follow the draw.")
