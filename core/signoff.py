"""Sign-off: named stakeholders (the KPI owner, Finance) sign the pre-registration and the final decision.

A signature keeps the text of what was signed — the pre-registration's registered fields, or the decision's
assumptions and the effect it rests on — so any later change shows as a deviation that needs a new signature,
naming the fields that changed. With sign-in the signature is the signed-in identity; without it a typed name,
labelled as such. The plan's history keeps each signed version (core/store.py keeps signed versions whatever the
retention rule thins).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime

from core import design
from core import pilot as pl
from core.plan import Plan, RoiAssumptions, SignOff

WHAT = {"preregistration": "the pre-registration (step 4)", "decision": "the final decision (step 6)"}


def signed_fields(plan: Plan, facts: pl.PilotFacts, what: str) -> dict[str, str]:
    """What a signature on `what` covers, as text: the registered fields, or the decision's assumptions."""
    if what == "preregistration":
        return design.registered_fields(plan, facts)
    out = {f"ROI: {f.name.replace('_', ' ')}": str(getattr(plan.roi, f.name)) for f in fields(RoiAssumptions)
           if f.name not in ("costs", "ranges")}
    out |= {f"Cost: {c.category or 'line'} {i + 1}": f"{c.amount:g}{' per participant' if c.per_participant else ''}"
            for i, c in enumerate(plan.roi.costs)}
    out |= {f"Range: {name}": f"{r.low:g} to {r.high:g} ({r.distribution})"
            for name, r in sorted(plan.roi.ranges.items())}
    kpi = plan.primary_kpi()
    out["Primary KPI value per unit"] = f"{kpi.value_per_unit:g}" if kpi and kpi.value_per_unit is not None else ""
    seen = plan.results.observed
    out["Observed effect"] = (f"{seen.effect:g} ({seen.ci_low:g} to {seen.ci_high:g}; {seen.method}"
                              + (f"; interim, {seen.months} of {seen.of_months} months" if seen.interim else "")
                              + ")" if seen else "none (a forecast)")
    return out


def covered(plan: Plan, facts: pl.PilotFacts, what: str) -> dict[str, str]:
    """What a new signature on `what` covers: the pre-registration as it was locked (a deviation since is not
    signed away), or the decision's fields as they are now."""
    if what == "preregistration" and plan.design.preregistration is not None:
        return dict(plan.design.preregistration.registered)
    return signed_fields(plan, facts, what)


def sign(plan: Plan, facts: pl.PilotFacts, what: str, *, name: str, role: str, signed_in: bool) -> SignOff:
    """Add a signature on `what` by `name` (the sign-in identity when `signed_in`, else a typed name). The final
    decision can be signed once its ROI can be computed."""
    name = name.strip()
    if not name:
        raise ValueError("a signature needs a name")
    if what not in WHAT:
        raise ValueError(f"one can sign {', '.join(WHAT)}, not {what!r}")
    if what == "preregistration" and plan.design.preregistration is None:
        raise ValueError("lock the pre-registration in step 4 before signing it")
    if what == "decision":
        from core import roi

        kept = plan.results.observed
        if kept is not None and kept.interim and plan.roi.mode == "observed":
            raise ValueError(f"the ROI uses an interim read ({kept.months} of {kept.of_months} months): the final "
                             "decision is signed on the final reading, or on the forecast")
        try:
            roi.evaluate(roi.inputs(plan, facts))
        except ValueError as exc:
            raise ValueError(f"the decision cannot be signed before its ROI can be computed ({exc})") from exc
    found = SignOff(what, name, role.strip(), "sign-in" if signed_in else "typed name",
                    datetime.now(UTC).isoformat(timespec="seconds"), covered(plan, facts, what))
    plan.signoffs.append(found)
    return found


@dataclass(frozen=True)
class Standing:
    signoff: SignOff
    changed: list[str]  # the fields that differ since it was signed (empty: it still holds)

    @property
    def holds(self) -> bool:
        return not self.changed

    def words(self) -> str:
        who = f"{self.signoff.name}" + (f" ({self.signoff.role})" if self.signoff.role else "")
        how = "signed in" if self.signoff.signed_as == "sign-in" else "typed name, not verified by sign-in"
        said = f"{who} signed {WHAT[self.signoff.what]} on {self.signoff.at[:16].replace('T', ' ')} UTC ({how})"
        if self.holds:
            return said + "; it still holds."
        shown = ", ".join(self.changed[:4]) + (f" and {len(self.changed) - 4} more" if len(self.changed) > 4 else "")
        return said + f"; since then {shown} changed: a deviation that needs a new signature."


def standings(plan: Plan, facts: pl.PilotFacts) -> list[Standing]:
    """Every signature, each with the fields changed since it was given (for the pre-registration: since it was
    locked, so its deviations show)."""
    now = {what: signed_fields(plan, facts, what) for what in {s.what for s in plan.signoffs}}
    return [Standing(s, [k for k in sorted(set(s.fields) | set(now[s.what])) if s.fields.get(k) != now[s.what].get(k)])
            for s in plan.signoffs]
