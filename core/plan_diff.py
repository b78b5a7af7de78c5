"""What changed between two versions of a plan, in words ("effect to detect 1,000 → 1,125"), for the history."""

from __future__ import annotations

from typing import Any

from core.plan import Plan
from core.words import number

LABELS = {
    "pilot.effect": "effect to detect",
    "pilot.start": "start date",
    "pilot.treated_people": "planned treated people",
    "pilot.control_people": "planned control people",
    "pilot.cluster_column": "randomised by",
    "pilot.eligible": "who is eligible",
    "pilot.population": "who is eligible",
    "design.design": "design",
    "design.seed": "seed",
    "design.assignment": "assignment list",
    "design.preregistration": "pre-registration",
    "results.participation": "who took part (step 5)",
    "results.observed": "observed effect (step 5)",
    "roi.mode": "ROI basis",
    "roi.scope": "ROI scope",
    "data.sources": "data files",
    "reviews": "reviews",
    "signoffs": "sign-offs",
}
SHARES = {f"roi.{n}" for n in ("adoption", "contribution_margin", "attribution", "confidence", "monthly_decay",
                                "discount_rate")} | {"design.alpha", "design.power", "design.attrition"}
SUMMARISED = ("design.assignment", "results.observed", "design.preregistration", "data.sources", "scenarios",
              "migration_notes", "reviews", "signoffs")


def _flat(value: Any, path: str = "") -> dict[str, Any]:
    if any(path == s for s in SUMMARISED) or path.endswith(".observations"):
        return {path: value}
    if isinstance(value, dict) and value and path != "pilot.eligible" and path != "results.participation":
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(_flat(item, f"{path}.{key}" if path else str(key)))
        return out
    if isinstance(value, list) and value and isinstance(value[0], dict):
        out = {}
        for i, item in enumerate(value):
            out.update(_flat(item, f"{path}[{i}]"))
        return out
    return {path: value}


def _label(path: str) -> str:
    if path in LABELS:
        return LABELS[path]
    return path.replace("roi.", "").replace("pilot.", "").replace("design.", "").replace("_", " ").replace(".", " ")


def _shown(path: str, value: Any) -> str:
    if path == "design.assignment":
        return f"{len(value):,} people" if value else "none"
    if path == "data.sources":
        return ", ".join(sorted(m.get("filename", "") for m in value.values())) if value else "none"
    if path == "reviews":
        return f"{len(value)} ({sum(bool(r['held_on']) for r in value)} held)" if value else "none"
    if path == "signoffs":
        return f"{len(value)} (latest: {value[-1]['name']} on the {value[-1]['what']})" if value else "none"
    if path.endswith(".observations"):
        return f"{len(value)}" if value else "none"
    if path in ("results.observed", "design.preregistration"):
        return "set" if value else "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)) and path in SHARES:
        return f"{value:.0%}"
    if isinstance(value, (int, float)):
        return number(float(value))
    if value in ("", None, [], {}):
        return "—"
    text = str(value) if not isinstance(value, dict) else "; ".join(f"{k}: {', '.join(map(str, v))}"
                                                                  for k, v in value.items())
    return text if len(text) <= 40 else text[:39] + "…"


def changes(before: Plan, after: Plan, *, limit: int = 4, ignore: tuple[str, ...] = ()) -> list[str]:
    """The fields that differ, oldest value → newest ("effect to detect 1,000 → 1,125"), at most `limit` of them
    and a count of the rest; paths ending in one of `ignore` are left out."""
    old, new = _flat(before.to_dict()), _flat(after.to_dict())
    found = [f"{_label(p)} {_shown(p, old.get(p))} → {_shown(p, new.get(p))}"
             for p in sorted(set(old) | set(new), key=lambda p: (p not in LABELS, p))
             if old.get(p) != new.get(p) and p not in ("id",)
             and _shown(p, old.get(p)) != _shown(p, new.get(p))  # "" → None is no change to a reader
             and not p.endswith(ignore)]
    if len(found) > limit:
        found = found[:limit] + [f"and {len(found) - limit} more"]
    return found
