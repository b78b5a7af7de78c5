"""Step 5 in AppTest: the sample pilot's effect, its health, observed vs assumed, and the ROI's observed mode."""


from core.store import Store
from core.templates import sales_skills
from tests.sample import pilot_teams
from tests.views.conftest import texts, with_sample_data


def metric(at, label):
    return next(m.value for m in at.metric if m.label.startswith(label))


def sample_pilot(db_file, start="2026-07-01"):
    template = sales_skills()
    template.pilot.start = start
    template.results.participation = {"team": list(pilot_teams())}
    return with_sample_data(db_file, template, piloted=True)


def test_the_sample_pilot_recovers_its_planted_four_percent(app, db_file):
    plan = sample_pilot(db_file)
    at = app(plan.id, "views/results.py")
    assert not at.exception, at.exception
    ci = metric(at, "As % of the baseline")
    low, high = (float(x.rstrip("%")) for x in
                 next(m.help for m in at.metric if m.label.startswith("As % of")).split("CI ")[1].split(" to "))
    assert low < 4.0 < high, (ci, low, high)
    assert "registered" in next(s for s in at.selectbox if s.label == "Method").format_func("ancova")
    assert float(metric(at, "Sample-ratio check").split("= ")[1]) > 0.001
    assert any("Average deal size increase" in str(df.value) for df in at.dataframe)


def test_using_the_observed_effect_switches_the_roi_to_observed(app, db_file):
    store = Store(db_file)
    plan = sample_pilot(db_file)
    at = app(plan.id, "views/results.py")
    next(b for b in at.button if b.label == "Use this observed effect in the ROI step").click().run()
    saved = store.load(plan.id)[0]
    assert saved.roi.mode == "observed" and saved.results.observed is not None
    assert saved.results.observed.ci_low < saved.results.observed.effect < saved.results.observed.ci_high
    roi_page = app(plan.id, "views/roi.py")
    assert any(m.label == "ROI (observed effect)" for m in roi_page.metric)
    assert any("Range (observed effect)" in m for m in texts(roi_page, "markdown"))


def test_a_deviating_method_is_labelled_as_such(app, db_file):
    plan = sample_pilot(db_file)
    at = app(plan.id, "views/results.py")
    next(s for s in at.selectbox if s.label == "Method").set_value("did").run()
    assert not at.exception
    assert any("not the pre-registered analysis" in w for w in texts(at, "warning"))


def test_without_anyone_in_an_arm_the_page_says_what_to_do(app, db_file):
    template = sales_skills()
    template.pilot.start = "2026-07-01"
    plan = with_sample_data(db_file, template)
    at = app(plan.id, "views/results.py")
    assert not at.exception
    assert any("Nobody is in an arm yet" in i for i in texts(at, "info"))


def test_a_measurement_window_without_data_says_so(app, db_file):
    plan = sample_pilot(db_file, start="2026-10-01")  # the sample's months end before this window
    at = app(plan.id, "views/results.py")
    assert not at.exception
    assert any("No outcome yet" in i for i in texts(at, "info"))


def test_success_cases_show_pseudonyms_and_mediation_runs_on_demand(app, db_file):
    plan = sample_pilot(db_file)
    at = app(plan.id, "views/results.py")
    cases = [df.value for df in at.dataframe if "above expected" in df.value.columns][0]
    assert len(cases) == 5 and all(p.startswith("P-") for p in cases["person"])
    next(t for t in at.toggle if t.label.startswith("Compute it")).set_value(True).run()
    assert not at.exception
    assert any(m.startswith("Through post\\_score") or m.startswith("Through ") for m in texts(at, "markdown"))


def test_an_observed_effect_from_other_arms_is_never_used_as_this_plans(app, db_file):
    store = Store(db_file)
    plan = sample_pilot(db_file)
    at = app(plan.id, "views/results.py")
    next(b for b in at.button if b.label == "Use this observed effect in the ROI step").click().run()
    roi_page = app(plan.id, "views/roi.py")
    effect = next(n for n in roi_page.number_input if n.label.startswith("Effect per participant"))
    assert effect.disabled and "observed" in effect.label
    saved = store.load(plan.id)[0]
    saved.results.participation = {}  # back to the assignment list: other arms
    store.save(saved, expected_version=store.load(plan.id)[1])
    roi_page = app(plan.id, "views/roi.py")
    assert any("measured on other arms" in w for w in texts(roi_page, "warning"))
    assert any(m.label == "ROI (forecast)" for m in roi_page.metric)


def test_two_teams_per_arm_show_no_interval_and_keep_the_roi_a_forecast(app, db_file):
    """2 + 2 teams can be split only 6 ways: no 95% interval exists, and the page says so rather than show one."""
    template = sales_skills()
    template.pilot.start = "2026-07-01"
    template.pilot.eligible = {"team": ["SAL-01", "SAL-02", "SAL-04", "SAL-07"]}  # SAL-04 and SAL-07 were trained
    template.results.participation = {"team": list(pilot_teams())}
    plan = with_sample_data(db_file, template, piloted=True)
    at = app(plan.id, "views/results.py")
    assert not at.exception, at.exception
    assert metric(at, "95% confidence interval") == "none"
    assert any("only 6 ways" in w for w in texts(at, "warning"))
    assert any("No 95% interval exists with so few teams" in m for m in texts(at, "markdown"))
    assert not any(b.label == "Use this observed effect in the ROI step" for b in at.button)
    assert any("ROI step keeps the forecast" in i for i in texts(at, "info"))


def test_a_one_site_pilot_shows_the_site_against_its_twin(app, db_file):
    template = sales_skills()
    template.pilot.start = "2026-07-01"
    template.design.design, template.design.site = "site", "SAL-04"
    template.results.participation = {"team": ["SAL-04"]}  # one of the teams tests.sample simulates a pilot for
    plan = with_sample_data(db_file, template, piloted=True)
    at = app(plan.id, "views/results.py")
    assert not at.exception, at.exception
    assert not texts(at, "error"), texts(at, "error")
    assert "registered" in next(s for s in at.selectbox if s.label == "Method").format_func("synthetic_did")
    assert metric(at, "95% confidence interval") != "none"
    assert any("The twin is SAL-" in c and "Placebo test" in c for c in texts(at, "caption"))
    assert len(at.get("plotly_chart")) >= 1


def test_an_early_read_is_judged_against_the_registered_looks_not_the_95_percent_interval(app, db_file):
    """The pilot's data covers part of its measurement window: with interim looks registered, step 5 says what the
    O'Brien–Fleming boundary allows; without them, that an early read is no verdict."""
    store = Store(db_file)
    plan = sample_pilot(db_file)
    plan, version = store.load(plan.id)
    plan.pilot.measurement_months = 9  # the sample's data ends three months into it
    store.save(plan, expected_version=version)
    at = app(plan.id, "views/results.py")
    assert not at.exception, at.exception
    said = " ".join(texts(at, "info"))
    assert "no interim look was pre-registered" in said
    assert not any(t.startswith("The 95% interval excludes no effect") for t in texts(at, "markdown"))

    plan, version = store.load(plan.id)
    plan.design.looks = 3
    store.save(plan, expected_version=version)
    at = app(plan.id, "views/results.py")
    said = " ".join(texts(at, "info"))
    assert "Interim look 1 of 2" in said and "stopping early needs 4.98" in said, said  # 3.71 on the t scale (CR2)
    assert "(the end of the measurement window) the pilot can detect" in said and "break-even is" in said, said
    months = next(df.value for df in at.dataframe if "sample-ratio p" in df.value.columns)
    assert len(months) == 9 and list(months["status"][3:]) == ["no data yet"] * 6
    assert (months["treated measured"][:3].str.replace(",", "").astype(int) >= 5).all()
    assert months["status"][0] in ("healthy", "sample-ratio mismatch") and months["treated measured"][5] == ""
    next(b for b in at.button if b.label == "Use this observed effect in the ROI step").click().run()
    kept = store.load(plan.id)[0].results.observed
    assert kept.interim and (kept.months, kept.of_months, kept.interim_verdict) == (3, 9, "continue")


def test_the_final_analysis_after_interim_looks_needs_the_last_boundary(app, db_file):
    store = Store(db_file)
    plan = sample_pilot(db_file)
    plan, version = store.load(plan.id)
    plan.design.looks = 3
    store.save(plan, expected_version=version)
    at = app(plan.id, "views/results.py")
    assert not at.exception, at.exception
    said = next(t for t in texts(at, "markdown") if "interim looks, the final analysis: |t| = " in t)
    assert float(said.split(" against ")[1][:4]) > 1.99  # c_K = 1.993 on the t scale of the few-team CR2 test


def test_secondary_kpis_and_a_harmed_guardrail_are_shown_and_block_expand(app, db_file):
    from core import decision, pilot
    from core.plan import Kpi
    from ui import datasets

    store = Store(db_file)
    plan = sample_pilot(db_file)
    plan, version = store.load(plan.id)
    plan.kpis += [Kpi("Deals closed", column="deals_closed", unit="deals", registered_as="secondary"),
                  Kpi("Deal size read the wrong way", column="avg_deal_size", better="lower", unit="$",
                      registered_as="guardrail")]
    store.save(plan, expected_version=version)
    at = app(plan.id, "views/results.py")
    assert not at.exception, at.exception
    table = next(df.value for df in at.dataframe if "registered as" in df.value.columns)
    assert list(table["KPI"]) == ["Deals closed", "Deal size read the wrong way"]
    assert table["verdict"].iloc[1].startswith("harmed") and "Holm" in table["adjusted p"].iloc[0]
    assert any("Deal size read the wrong way" in e and "worse" in e for e in texts(at, "error"))
    next(b for b in at.button if b.label == "Use this observed effect in the ROI step").click().run()
    saved = store.load(plan.id)[0]
    assert saved.results.observed.harmed_guardrails == ["Deal size read the wrong way"]
    facts = pilot.facts(saved, datasets.joined(saved))
    assert decision.standing(saved, facts, draws=2000).decision != decision.EXPAND


def test_registered_segments_are_shown_holm_adjusted_and_another_is_labelled_exploratory(app, db_file):
    store = Store(db_file)
    plan = sample_pilot(db_file)
    plan, version = store.load(plan.id)
    plan.design.segments = ["tenure band", "site"]
    store.save(plan, expected_version=version)
    at = app(plan.id, "views/results.py")
    assert not at.exception, at.exception
    tables = [df.value for df in at.dataframe if "adjusted p (Holm)" in df.value.columns]
    counts = tables[0]["treated"][tables[0]["treated"] != ""].str.replace(",", "").astype(int)
    assert len(tables) == 2 and len(counts) >= 2 and (counts >= 5).all()
    assert any("not shown" in level for level in tables[1]["level"])
    explore = next(s for s in at.selectbox if s.label == "Explore another segment")
    explore.set_value("job_family").run()
    assert any("Exploratory: job_family was not pre-registered" in w for w in texts(at, "warning"))
    assert any("level" in df.value.columns and "adjusted p (Holm)" not in df.value.columns for df in at.dataframe)
