"""The Plan: one L&D pilot walked through six steps, as typed dataclasses.

`to_dict`/`from_dict` round-trip exactly, so a plan saved to SQLite or exported as JSON comes back
identical. `from_dict` validates as it builds and names the path of anything wrong
(``hypotheses[2].assumed_size: expected a number, got 'abc'``), which is what the import screen shows.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import types
import typing
import unicodedata
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from core.plan_format import PlanFormatError, is_number  # noqa: F401 (part of core.plan's interface)
from core.plan_migration import upgrade

SCHEMA_VERSION = 2
NAME_MAX = 200

ProgramType = Literal["", "learning", "training", "development"]
Direction = Literal["increase", "decrease"]
BenefitKind = Literal["recurring", "one_time"]
Distribution = Literal["pert", "triangular", "normal"]  # normal: low/high are a 95% interval (observed effects)
IsolationMethod = Literal["", "control_group", "trend_line", "forecast", "estimates"]
# a cluster RCT is "rct" with a cluster column; "site": one site first, against a synthetic twin
DesignKind = Literal["", "rct", "waves", "site", "matched", "did", "its"]
YesNo = Literal["", "yes", "no"]
KpiType = Literal["continuous", "binary"]
Alternative = Literal["two-sided", "one-sided"]  # one-sided: only an improvement (the better direction) counts
Outcome = Literal["mean", "sum"]
RegisteredAs = Literal["", "secondary", "guardrail"]  # a KPI's place in the pre-registration besides the primary
Population = Literal["current", "joiners"]  # joiners: people hired during the pilot (no baseline exists)
VarianceSource = Literal["typed", "data"]
RoiScope = Literal["pilot", "rollout"]
RoiMode = Literal["forecast", "observed"]
Reading = Literal["interim", "final"]  # a living-registry value read while the pilot runs, or at its end
Signed = Literal["preregistration", "decision"]
SignedAs = Literal["sign-in", "typed name"]  # a signature by the sign-in identity, or a name typed without sign-in
DateOrder = Literal["auto", "day-first", "month-first"]
Tier = Literal["input", "output", "outcome"]
KpiKind = Literal["learning", "business"]
Better = Literal["higher", "lower"]
Credibility = Literal["", "standard value", "historical cost", "expert", "external database", "linked measure",
                      "estimate"]

GOAL_QUESTIONS: dict[str, str] = {
    "business_improvement": "Which improvement matters most to the business?",
    "who_and_skills": "Who must develop, and which skills?",
    "work_differently": "How will they work differently afterwards?",
    "activities": "Which learning, training or development activities?",
    "decisions_change": "How will day-to-day work and decisions change?",
}

STAKEHOLDER_ROLES = ["KPI/OKR owner", "Finance partner", "Data steward", "Manager", "Sponsor", "Other"]




@dataclass(frozen=True)
class Limit:
    """The values a number field accepts, declared once beside the field (``Annotated[float, Limit(…)]``): the
    repair of stored and imported plans (core/plan_checks.py), the pages' widget bounds (ui/widgets.limits) and
    the ROI's validation all read it. Both ends are included, as a widget's min_value and max_value are.
    `shown` is the factor a page shows the value at (100 for a share edited as a percentage)."""

    low: float
    high: float
    words: str
    shown: float = 1.0

    def holds(self, value: object) -> bool:
        return is_number(value) and self.low <= float(value) <= self.high


BIG = 10_000_000  # people, seeds and the like beyond this are typing mistakes, not pilots
MONEY = 1e12  # any amount or effect beyond a trillion is a typing mistake
PEOPLE = Limit(0, BIG, f"0 to {BIG:,} people")
SHARE = Limit(0, 1, "0 to 100%", shown=100)
MONTHS = Limit(1, 120, "1 to 120 months")
ANY_NUMBER = Limit(-MONEY, MONEY, "a number below a trillion")
AMOUNT = Limit(0, MONEY, "$0 to $1 trillion")


@functools.cache
def limits(holder: type) -> dict[str, Limit]:
    """The declared Limit of each field of a plan section (a dataclass), by field name. Read once per class:
    resolving the type hints took most of a live-panel rerun's time when every check read them again."""
    hints = typing.get_type_hints(holder, include_extras=True)
    return {name: next(m for m in typing.get_args(tp)[1:] if isinstance(m, Limit))
            for name, tp in hints.items()
            if typing.get_origin(tp) is Annotated and any(isinstance(m, Limit) for m in typing.get_args(tp)[1:])}


def limit(path: str) -> Limit:
    """The declared Limit of a field by its path in the plan: "roi.adoption", "pilot.sd", "kpis.value_per_unit"."""
    section, name = path.split(".", 1)
    holder = {"pilot": Pilot, "design": DesignPlan, "roi": RoiAssumptions, "kpis": Kpi, "costs": CostLine,
              "hypotheses": Hypothesis}[section]
    return limits(holder)[name]


@dataclass
class Goals:
    business_improvement: str = ""
    who_and_skills: str = ""
    work_differently: str = ""
    activities: str = ""
    decisions_change: str = ""


@dataclass
class Stakeholder:
    name: str = ""
    role: str = ""
    accountable_for: str = ""


@dataclass
class Observation:
    """One value of a hypothesis read from the pilot (the living registry): interim or final, with its interval,
    the months of outcome data behind it and who reviewed it."""

    at: str = ""  # ISO time it was recorded
    kind: Reading = "interim"
    words: str = ""  # as step 5 says it (improvement or % of the baseline, with the 95% interval)
    effect: Annotated[float, ANY_NUMBER] = 0.0  # the KPI change (treated minus control, KPI units)
    ci_low: Annotated[float, ANY_NUMBER] = 0.0
    ci_high: Annotated[float, ANY_NUMBER] = 0.0
    months: Annotated[int, Limit(0, 240, "0 to 240 months")] = 0
    verdict: str = ""  # the interim look's verdict, or the final analysis's
    reviewed_by: str = ""


@dataclass
class Hypothesis:
    kpi: str = ""
    direction: Direction = "increase"
    assumed_size: Annotated[float | None, ANY_NUMBER] = None
    unit: str = ""
    by_when: str = ""
    observed: float | None = None
    observations: list[Observation] = field(default_factory=list)


@dataclass
class Review:
    """A review on the plan's cadence (day 30, 60 and 90 of the pilot, then quarterly after a roll-out), with an
    owner; once held, who held it, what was noted and the decisions still pending."""

    title: str = ""
    due: str = ""  # ISO date
    owner: str = ""
    held_on: str = ""  # ISO time it was held; "" until then
    held_by: str = ""
    notes: str = ""
    pending: str = ""  # decisions pending after it
    numbers: list[str] = field(default_factory=list)  # what the review saw: the numbers and health when held
    health: list[str] = field(default_factory=list)


@dataclass
class SignOff:
    """A stakeholder's signature on the pre-registration or the final decision, with what they signed (as text)
    so that a later change shows as a deviation that needs a new signature."""

    what: Signed = "preregistration"
    name: str = ""
    role: str = ""
    signed_as: SignedAs = "typed name"
    at: str = ""
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class CostLine:
    """One Phillips cost category. `per_participant` lines are multiplied by the participants."""

    category: str = ""
    amount: Annotated[float, AMOUNT] = 0.0
    per_participant: bool = False
    note: str = ""


PHILLIPS_COST_CATEGORIES = [
    "Needs analysis", "Design & development", "Licences & content", "Delivery", "Facilities & travel",
    "Evaluation", "Overhead",
]


def default_costs() -> list[CostLine]:
    """One zero line per Phillips cost category (participant time is computed separately)."""
    return [CostLine(category) for category in PHILLIPS_COST_CATEGORIES]


@dataclass
class Range:
    """Low / high around the expected value of an uncertain assumption (for tornado and Monte Carlo)."""

    low: float = 0.0
    high: float = 0.0
    distribution: Distribution = "pert"


@dataclass
class RoiAssumptions:
    """The ROI step's own assumptions (see core/roi.py for the formulas).

    The effect, the KPI and its money value, and the pilot's participants are not here: they live in the
    pilot definition (`Plan.pilot`) and the primary KPI, and `core.roi.inputs` reads them from there.
    `scope` says whose benefits are counted: the pilot's treated arm, or a labelled roll-out forecast of
    `rollout_participants` people.
    """

    scope: RoiScope = "pilot"
    mode: RoiMode = "forecast"  # observed: the effect is the Results step's estimate, its range the 95% CI
    rollout_participants: Annotated[int, PEOPLE] = 0
    participant_hours: Annotated[float, Limit(0, 10_000, "0 to 10,000 hours")] = 0.0
    loaded_hourly_wage: Annotated[float, Limit(0, 10_000, "$0 to $10,000 an hour")] = 0.0
    costs: list[CostLine] = field(default_factory=default_costs)
    benefit_kind: BenefitKind = "recurring"
    adoption: Annotated[float, SHARE] = 1.0
    contribution_margin: Annotated[float, SHARE] = 1.0
    attribution: Annotated[float, SHARE] = 1.0
    confidence: Annotated[float, SHARE] = 1.0
    monthly_decay: Annotated[float, Limit(0, 0.99, "0% to 99%", shown=100)] = 0.0
    horizon_months: Annotated[int, MONTHS] = 12
    realisation_months: Annotated[int, MONTHS] = 3
    program_months: Annotated[int, Limit(1, 60, "1 to 60 months")] = 3
    # a year, Finance's cost of capital (10% unless Finance says otherwise)
    discount_rate: Annotated[float, Limit(0, 1, "0 to 100% a year", shown=100)] = 0.10
    isolation_method: IsolationMethod = ""
    ranges: dict[str, Range] = field(default_factory=dict)


@dataclass
class SourceMapping:
    """An uploaded file's confirmed column roles (the bytes live in the store, keyed by plan and kind), or a
    database's table or SELECT query: `database` names a connection in .streamlit/secrets.toml (its address
    and password are never in the plan)."""

    filename: str = ""
    sha256: str = ""
    roles: dict[str, str] = field(default_factory=dict)
    date_order: DateOrder = "auto"
    database: str = ""
    query: str = ""
    simulated_for: str = ""  # the sample's simulated pilot: a fingerprint of the list it was run for
    # columns that look like a protected attribute which the owner declared are not one (core.ingest.protected)
    not_sensitive: list[str] = field(default_factory=list)


@dataclass
class DataStep:
    sources: dict[str, SourceMapping] = field(default_factory=dict)


@dataclass
class Kpi:
    """A measurable KPI. Money values carry their source and credibility (Phillips' order)."""

    name: str = ""
    tier: Tier = "outcome"
    kind: KpiKind = "business"
    unit: str = ""
    better: Better = "higher"
    column: str = ""
    owner: str = ""
    manual_baseline: Annotated[float | None, ANY_NUMBER] = None
    target: Annotated[float | None, ANY_NUMBER] = None
    value_per_unit: Annotated[float | None, AMOUNT] = None
    value_source: str = ""
    credibility: Credibility = ""
    intangible: bool = False
    primary: bool = False
    registered_as: RegisteredAs = ""  # a secondary KPI (Holm-adjusted) or a guardrail that must not get worse


@dataclass
class KpiLink:
    learning: str = ""
    business: str = ""
    hypothesis: str = ""


@dataclass
class Assigned:
    """One row of the assignment list (real ids: the one place they appear)."""

    id: str = ""
    arm: str = ""
    group: str = ""
    wave: int = 0  # waitlist pilots: the wave this person's cluster starts in (1 = at the start date)


@dataclass
class Preregistration:
    locked_at: str = ""
    registered: dict[str, str] = field(default_factory=dict)


@dataclass
class Pilot:
    """The one pilot definition that steps 3 to 6 read (PRODUCT.md, "The pilot definition").

    Dates: the intervention starts on `start`; months are compared with the first day of the start month. The
    baseline window is the `baseline_months` whole months before the start month (never a pilot month); the
    measurement window opens `measurement_gap_months` after the start month and lasts `measurement_months`.
    The outcome is each person's mean (or sum) of the primary KPI over the measurement window.
    `population` says who can be eligible: people already here who have the KPI at baseline ("current"), or
    people who join during the intervention ("joiners": new hires, who have no baseline).

    Arms are planned in people; with a `cluster_column` (team, site) whole clusters are randomised and the
    number of clusters and their sizes come from the eligible roster (`core.pilot`), never typed.
    `effect` is the improvement to detect and to value, in the KPI's units: positive means better (higher or
    lower, as the primary KPI says); its % of the baseline is derived. The variance inputs are estimated
    from the data over the same windows and outcome (`variance_source="data"`) or typed with a note;
    `cluster_size` is used only when there is no roster to count.
    """

    start: str = ""
    baseline_months: Annotated[int, Limit(1, 36, "1 to 36 months")] = 3
    intervention_days: Annotated[int, Limit(1, 730, "1 to 730 days")] = 90
    measurement_gap_months: Annotated[int, Limit(0, 24, "0 to 24 months")] = 0
    measurement_months: Annotated[int, Limit(1, 24, "1 to 24 months")] = 3
    outcome: Outcome = "mean"
    population: Population = "current"
    eligible: dict[str, list[str]] = field(default_factory=dict)
    cluster_column: str = ""
    waves: Annotated[int, Limit(2, 6, "2 to 6 waves")] = 3  # a waitlist pilot's number of waves (design "waves")
    treated_people: Annotated[int, PEOPLE] = 0
    control_people: Annotated[int, PEOPLE] = 0
    effect: Annotated[float, ANY_NUMBER] = 0.0
    kpi_type: KpiType = "continuous"
    p_control: Annotated[float, Limit(0.001, 0.999, "0.001 to 0.999")] = 0.5
    variance_source: VarianceSource = "data"  # estimated from the data where it has the KPI; typed otherwise
    sd: Annotated[float, Limit(1e-9, MONEY, "a positive number")] = 1.0
    icc: Annotated[float, Limit(0, 0.99, "0 to 0.99")] = 0.0
    baseline_corr: Annotated[float, Limit(0, 0.99, "0 to 0.99")] = 0.0
    cluster_size: Annotated[float, Limit(1, 1e6, "1 to 1,000,000 people")] = 1.0
    variance_note: str = ""


@dataclass
class DesignPlan:
    """How the pilot is run and tested: situation, design, test settings, assignment, registration."""

    randomise: YesNo = ""
    contamination: YesNo = ""
    history: YesNo = ""
    design: DesignKind = ""
    alpha: Annotated[float, Limit(0.001, 0.5, "0.001 to 0.5")] = 0.05
    power: Annotated[float, Limit(0.5, 0.99, "0.5 to 0.99")] = 0.8
    alternative: Alternative = "two-sided"
    attrition: Annotated[float, Limit(0, 0.9, "0 to 90%", shown=100)] = 0.1
    # looks at the data, the final analysis included: 1 = no interim look; more spend alpha (core/monitoring.py)
    looks: Annotated[int, Limit(1, 6, "1 to 6")] = 1
    strata: list[str] = field(default_factory=list)
    segments: list[str] = field(default_factory=list)  # pre-registered segments for step 5 (core/segments.py)
    site: str = ""  # design "site": the value of the cluster column (the site) piloted first
    seed: Annotated[int, Limit(0, 2**31 - 1, "0 to 2,147,483,647")] = 0
    assignment: list[Assigned] = field(default_factory=list)
    analysis_method: str = ""
    preregistration: Preregistration | None = None


@dataclass
class Observed:
    """The pilot's measured effect (step 5): the change in the primary KPI's units, treated minus control."""

    effect: Annotated[float, ANY_NUMBER] = 0.0
    se: Annotated[float, Limit(0, MONEY, "0 to a trillion")] = 0.0
    ci_low: Annotated[float, ANY_NUMBER] = 0.0
    ci_high: Annotated[float, ANY_NUMBER] = 0.0
    p_value: Annotated[float, Limit(0, 1, "0 to 1")] = 1.0
    n: Annotated[int, Limit(0, BIG * 1000, "0 to ten billion")] = 0
    method: str = ""
    registered: bool = True  # False: a deviation from the pre-registered analysis
    computed_at: str = ""
    basis: str = ""  # core.pilot.analysis_key of the plan it was measured on (arms, windows, KPI)
    harmed_guardrails: list[str] = field(default_factory=list)  # registered guardrails the pilot made worse
    months: Annotated[int, Limit(0, 240, "0 to 240 months")] = 0  # months of the measurement window with data
    of_months: Annotated[int, Limit(0, 240, "0 to 240 months")] = 0  # months the window has (0: not recorded)
    interim_verdict: str = ""  # an interim read: the registered look's verdict (core.monitoring.Look.verdict)

    @property
    def interim(self) -> bool:
        """Measured before the end of the measurement window: an early read, not the registered outcome."""
        return 0 < self.months < self.of_months


@dataclass
class Results:
    """Step 5: who actually took part (column → values of the treated; empty: the assignment list) and the
    estimate the ROI step may use."""

    participation: dict[str, list[str]] = field(default_factory=dict)
    observed: Observed | None = None


@dataclass
class Scenario:
    name: str = ""
    values: dict[str, float] = field(default_factory=dict)
    saved_at: str = ""


@dataclass
class Plan:
    name: str = "Untitled plan"
    id: str = ""
    schema_version: int = SCHEMA_VERSION
    template: str = ""
    program_type: ProgramType = ""
    goals: Goals = field(default_factory=Goals)
    stakeholders: list[Stakeholder] = field(default_factory=list)
    hypotheses: list[Hypothesis] = field(default_factory=list)
    data: DataStep = field(default_factory=DataStep)
    kpis: list[Kpi] = field(default_factory=list)
    kpi_links: list[KpiLink] = field(default_factory=list)
    pilot: Pilot = field(default_factory=Pilot)
    design: DesignPlan = field(default_factory=DesignPlan)
    results: Results = field(default_factory=Results)
    roi: RoiAssumptions = field(default_factory=RoiAssumptions)
    scenarios: list[Scenario] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    signoffs: list[SignOff] = field(default_factory=list)
    migration_notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def primary_kpi(self) -> Kpi | None:
        """The pilot's primary KPI: the first KPI marked primary (step 3 warns when several are)."""
        return next((k for k in self.kpis if k.primary), None)

    @classmethod
    def from_dict(cls, data: Any) -> Plan:
        if not isinstance(data, dict):
            raise PlanFormatError(f"A plan must be a JSON object, got {type(data).__name__}.")
        version = data.get("schema_version")
        if version is None:
            raise PlanFormatError("schema_version: missing; this does not look like a Pilot ROI plan.")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise PlanFormatError(f"schema_version: expected a whole number ≥ 1, got {version!r}.")
        if version > SCHEMA_VERSION:
            raise PlanFormatError(
                f"schema_version: this plan was saved by a newer Pilot ROI (schema {version}); this app "
                f"reads schema {SCHEMA_VERSION} or older. Update the app, then import it again."
            )
        if "name" not in data:
            raise PlanFormatError("name: missing; every plan needs a name.")
        if version < SCHEMA_VERSION:
            data = upgrade(data)
        plan = _build(cls, data, "")
        plan.name = validate_name(plan.name)
        return plan

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> Plan:
        if isinstance(text, bytes):
            try:
                text = text.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise PlanFormatError(f"The file is not UTF-8 text ({exc.reason} at byte {exc.start}).") from None
        if len(text) > MAX_JSON_CHARS:
            raise PlanFormatError(f"The file holds {len(text):,} characters; a plan is at most {MAX_JSON_CHARS:,}.")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PlanFormatError(
                f"Not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
            ) from None
        except RecursionError:
            raise PlanFormatError("The JSON is nested far deeper than any plan: it is not a Pilot ROI plan.") from None
        except ValueError as exc:  # e.g. an integer of thousands of digits (Python's int-conversion limit)
            raise PlanFormatError(f"The JSON holds a number too large to read ({str(exc)[:80]}).") from None
        if _depth(data) > MAX_DEPTH:
            raise PlanFormatError(f"The JSON is nested more than {MAX_DEPTH} levels deep: it is not a Pilot ROI "
                                  "plan.")
        return cls.from_dict(data)


MAX_JSON_CHARS = 20_000_000
MAX_DEPTH = 20  # a plan nests at most ~6 levels (plan → design → preregistration → registered → value)


def _depth(value: Any, level: int = 0) -> int:
    """How deeply `value` nests (stops counting past MAX_DEPTH)."""
    if level > MAX_DEPTH or not isinstance(value, (dict, list)):
        return level
    children = value.values() if isinstance(value, dict) else value
    return max((_depth(child, level + 1) for child in children), default=level + 1)


def validate_name(name: Any) -> str:
    """A plan name, trimmed: 1 to NAME_MAX characters of any text (quotes, emoji and HTML are fine)."""
    if not isinstance(name, str):
        raise PlanFormatError(f"name: expected text, got {type(name).__name__}.")
    # control characters go (newlines, tabs, NUL); format characters stay: a zero-width joiner is part of
    # an emoji such as 👩‍💻, and stripping it would change what the user typed
    cleaned = "".join(ch for ch in name if unicodedata.category(ch) != "Cc").strip()
    if not cleaned:
        raise PlanFormatError("name: a plan needs a name; it cannot be empty.")
    if len(cleaned) > NAME_MAX:
        raise PlanFormatError(
            f"name: {len(cleaned):,} characters is too long; use at most {NAME_MAX}."
        )
    return cleaned


@functools.cache
def _hints(tp: type) -> dict[str, Any]:
    """A dataclass's resolved type hints (once per class: resolving them is slow and every load needs them)."""
    return typing.get_type_hints(tp)


def _build(tp: Any, value: Any, path: str) -> Any:
    """Convert JSON-like `value` into type `tp`, raising PlanFormatError that names `path`."""
    where = path or "plan"
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise PlanFormatError(f"{where}: expected an object, got {_kind(value)}.")
        hints = _hints(tp)
        kwargs = {}
        for f in dataclasses.fields(tp):
            if f.name in value:
                kwargs[f.name] = _build(hints[f.name], value[f.name], _join(path, f.name))
        return tp(**kwargs)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _build(inner[0], value, path)
    if origin is Literal:
        allowed = typing.get_args(tp)
        if value not in allowed:
            shown = ", ".join(repr(a) for a in allowed if a != "")
            raise PlanFormatError(f"{where}: {value!r} is not one of {shown}.")
        return value
    if origin is list:
        if not isinstance(value, list):
            raise PlanFormatError(f"{where}: expected a list, got {_kind(value)}.")
        (item,) = typing.get_args(tp)
        return [_build(item, v, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise PlanFormatError(f"{where}: expected an object, got {_kind(value)}.")
        _, item = typing.get_args(tp)
        return {str(k): _build(item, v, f"{where}.{k}") for k, v in value.items()}
    if tp is bool:
        if not isinstance(value, bool):
            raise PlanFormatError(f"{where}: expected true or false, got {_kind(value)}.")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
            raise PlanFormatError(f"{where}: expected a whole number, got {_kind(value)}.")
        return int(value)
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise PlanFormatError(f"{where}: expected a number, got {_kind(value)}.")
        try:
            number = float(value)
        except OverflowError:
            raise PlanFormatError(f"{where}: a {len(str(value)):,}-digit number is too large.") from None
        if not math.isfinite(number):
            raise PlanFormatError(f"{where}: expected a number, got {_kind(value)}.")
        return number
    if tp is str:
        if not isinstance(value, str):
            raise PlanFormatError(f"{where}: expected text, got {_kind(value)}.")
        return value
    raise TypeError(f"unsupported field type {tp!r} at {where}")  # a programming error, not user input


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the text {shown!r}"
    if isinstance(value, (list, dict)):
        return "a list" if isinstance(value, list) else "an object"
    return repr(value)
