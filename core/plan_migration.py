"""Upgrade a saved or imported plan dictionary from schema 1 to schema 2 (the one pilot definition).

Schema 1 kept one assumption in several fields copied between steps: the effect in three
(`kpis[].expected_effect_pct`, `design.effect`, `roi.effect`), the primary KPI in two (`kpis[].primary`,
`roi.kpi_name`), clustering in two (`design.design == "cluster_rct"`, `design.randomisation`), the
participants in two (`roi.participants`, `design.n_treatment`). Schema 2 gives each one home
(`core.plan.Pilot`, the primary KPI, `RoiAssumptions`). Nothing the user typed is dropped: a value with no
home of its own becomes a hypothesis in the registry, a roll-out forecast, or a line of `migration_notes`
that the design page shows.
"""

from __future__ import annotations

import copy
from typing import Any

from core.plan_format import PlanFormatError, is_number

DAYS_PER_MONTH = 365.25 / 12


def upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """The schema-2 dictionary for a schema-1 plan dictionary (the input is not changed)."""
    if data.get("schema_version") != 1:
        return data
    plan = copy.deepcopy(data)
    notes: list[str] = list(plan.get("migration_notes") or [])
    design = _dict(plan.get("design"))
    roi = _dict(plan.get("roi"))
    kpis = [k for k in plan.get("kpis") or [] if isinstance(k, dict)]
    _check_moved(design, roi, kpis)
    primary = next((k for k in kpis if k.get("primary")), None)

    primary = _primary_kpi(plan, kpis, primary, roi, notes)
    better = (primary or {}).get("better", "higher")
    _effects_to_hypotheses(plan, kpis)
    plan["pilot"] = _pilot(design, roi, better, notes)
    plan["design"] = _design(design, better, notes)
    plan["roi"] = _roi(roi, plan["pilot"], notes)
    plan["migration_notes"] = notes
    plan["schema_version"] = 2
    return plan


MOVED = {  # schema-1 fields that change home, with the kind of value each must hold
    "design": {"effect": "number or null", "n_treatment": "whole", "n_control": "whole", "sd": "number",
               "icc": "number", "baseline_corr": "number", "cluster_size": "whole", "p_control": "number",
               "baseline_months": "whole", "intervention_days": "whole", "measurement_days": "whole",
               "ratio": "number"},
    "roi": {"participants": "whole", "effect": "number", "value_per_unit": "number"},
}


def _check_moved(design: dict, roi: dict, kpis: list[dict]) -> None:
    """A moved value must be valid where it was, so the message names the field the user knows."""
    for section, values in (("design", design), ("roi", roi)):
        for name, kind in MOVED[section].items():
            if name in values:
                _check(values[name], f"{section}.{name}", kind)
    for i, k in enumerate(kpis):
        if "expected_effect_pct" in k:
            _check(k["expected_effect_pct"], f"kpis[{i}].expected_effect_pct", "number")


def _check(value: Any, path: str, kind: str) -> None:
    if value is None and kind == "number or null":
        return
    number = is_number(value)
    if not number or (kind == "whole" and value != int(value)):
        expected = "a whole number" if kind == "whole" else "a number"
        raise PlanFormatError(f"{path}: expected {expected}, got {value!r}.")


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _number(value: Any, default: float = 0.0) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else default


def _primary_kpi(plan: dict, kpis: list[dict], primary: dict | None, roi: dict, notes: list[str]) -> dict | None:
    """The primary KPI carries the KPI's name, unit and money value; the ROI step's copies go into it."""
    name, unit = roi.get("kpi_name") or "", roi.get("kpi_unit") or ""
    value, source = roi.get("value_per_unit"), roi.get("value_source") or ""
    if primary is None and name:
        primary = {"name": name, "unit": unit, "primary": True}
        if _number(value):
            primary.update(value_per_unit=value, value_source=source)
        kpis.append(primary)
        plan["kpis"] = kpis
        return primary
    if primary is None:
        if _number(value) or source:
            notes.append(f"The ROI step's value per unit ${_number(value):,.4g} (source: {source or 'none'}) had "
                         "no KPI to belong to: mark a KPI primary in step 3 and give it this value.")
        return None
    if name and name != primary.get("name"):
        notes.append(f"The ROI step named its KPI “{name}” ({unit}); the primary KPI “{primary.get('name')}” "
                     "is now the one every step uses.")
    elif unit and unit != primary.get("unit"):
        notes.append(f"The ROI step's unit was “{unit}”; the primary KPI's unit “{primary.get('unit')}” is now used.")
    if primary.get("value_per_unit") is None and _number(value):
        primary["value_per_unit"], primary["value_source"] = value, source
    elif _number(value) and _number(value) != _number(primary.get("value_per_unit")):
        notes.append(f"The ROI step valued a unit at ${_number(value):,.4g} ({source}); the primary KPI's "
                     f"${_number(primary.get('value_per_unit')):,.4g} is now used.")
    return primary


def _effects_to_hypotheses(plan: dict, kpis: list[dict]) -> None:
    """Each KPI's expected effect (% of baseline) becomes a hypothesis unless the registry already has one."""
    hypotheses = plan.setdefault("hypotheses", [])
    named = {h.get("kpi") for h in hypotheses if isinstance(h, dict)}
    for k in kpis:
        pct = k.pop("expected_effect_pct", None)
        if pct is None or k.get("name") in named:
            continue
        hypotheses.append({"kpi": k.get("name", ""), "direction": "decrease" if k.get("better") == "lower"
                           else "increase", "assumed_size": _number(pct), "unit": "% of baseline",
                           "by_when": ""})


def _pilot(design: dict, roi: dict, better: str, notes: list[str]) -> dict:
    roi_effect = _number(roi.get("effect"))
    design_effect = design.get("effect")
    effect = roi_effect
    if design_effect is not None:
        typed = abs(_number(design_effect))
        if not roi_effect:
            effect = typed
        elif abs(typed - abs(roi_effect)) > 1e-9:
            notes.append(f"The design step's effect to detect was {typed:,.4g} and the ROI step's "
                         f"{roi_effect:,.4g}; the pilot now has one effect, {roi_effect:,.4g} (the ROI step's).")
    clustered = design.get("design") == "cluster_rct" or design.get("randomisation") == "cluster"
    intervention = int(_number(design.get("intervention_days"), 90)) or 90
    measurement = int(_number(design.get("measurement_days"), 90)) or 90
    return {
        "start": design.get("start_date") or "",
        "baseline_months": int(_number(design.get("baseline_months"), 12)) or 12,
        "intervention_days": intervention,
        "measurement_gap_months": round(intervention / DAYS_PER_MONTH),
        "measurement_months": max(1, round(measurement / DAYS_PER_MONTH)),
        "outcome": "mean",
        "eligible": {},
        "cluster_column": "team" if clustered else "",
        "treated_people": int(_number(design.get("n_treatment"))),
        "control_people": int(_number(design.get("n_control"))),
        "effect": abs(effect) if better == "lower" else effect,
        "kpi_type": design.get("kpi_type", "continuous"),
        "p_control": _number(design.get("p_control"), 0.5),
        "variance_source": "typed",
        "sd": _number(design.get("sd"), 1.0),
        "icc": _number(design.get("icc")),
        "baseline_corr": _number(design.get("baseline_corr")),
        "cluster_size": max(1.0, _number(design.get("cluster_size"), 1.0)),
        "variance_note": "typed before schema 2" if design else "",
    }


def _design(design: dict, better: str, notes: list[str]) -> dict:
    alternative = design.get("alternative", "two-sided")
    if alternative in ("larger", "smaller"):
        wanted = "smaller" if better == "lower" else "larger"
        if alternative != wanted:
            notes.append(f"The test was one-sided for a {alternative} KPI although {better} is better; it is now "
                         "one-sided in the better direction.")
        alternative = "one-sided"
    kind = design.get("design", "")
    keep = ("randomise", "contamination", "history", "alpha", "power", "attrition", "seed", "assignment",
            "analysis_method", "preregistration")
    out = {k: design[k] for k in keep if k in design}
    out.update(design="rct" if kind == "cluster_rct" else kind, alternative=alternative, strata=[])
    if _number(design.get("ratio"), 1.0) != 1.0 and not design.get("n_control"):
        notes.append(f"The design had {_number(design.get('ratio')):g} controls per treated person; plan the "
                     "control arm's size in people now.")
    return out


def _roi(roi: dict, pilot: dict, notes: list[str]) -> dict:
    keep = ("participant_hours", "loaded_hourly_wage", "costs", "benefit_kind", "adoption", "contribution_margin",
            "attribution", "confidence", "monthly_decay", "horizon_months", "realisation_months", "program_months",
            "isolation_method", "ranges")
    out = {k: roi[k] for k in keep if k in roi}
    participants = int(_number(roi.get("participants")))
    if participants and participants != pilot["treated_people"]:
        out.update(scope="rollout", rollout_participants=participants)
        notes.append(f"The ROI step counted {participants:,} participants and the pilot treats "
                     f"{pilot['treated_people']:,}: the ROI is now a labelled roll-out forecast for {participants:,} "
                     "people. Choose “the pilot's treated arm” in step 6 to value the pilot itself.")
    else:
        out.update(scope="pilot", rollout_participants=0)
    return out
