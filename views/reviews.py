"""Reviews & sign-off: the plan's review cadence with owners, holding a review (the living registry keeps the
pilot's reading), the one-page status report, and stakeholders' signatures on the pre-registration and the decision."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from core import pilot, reviews, running, signoff
from ui import datasets, session
from ui.text import md

NAME_CHARS, NOTE_CHARS = 120, 2_000  # a status report stays one page
plan = session.require_plan()
today = date.today()
st.title("Reviews & sign-off")
st.caption("Follow the pilot on a cadence: a review on day 30, 60 and 90, then quarterly after a roll-out, each with "
           "an owner. Holding a review keeps the pilot's reading in the hypothesis registry; its status report goes "
           "to the sponsors. Stakeholders sign the pre-registration and the final decision here.")
joined = datasets.joined(plan)
facts = pilot.facts(plan, joined)

# -- the cadence -------------------------------------------------------------------------------------------------
st.header("Review cadence", anchor="cadence")
if not plan.reviews:
    st.info("No reviews planned yet.")

    def set_cadence() -> None:
        try:
            planned = reviews.cadence(plan)
        except ValueError as exc:
            st.session_state["flash"] = ("warning", f"No cadence: {exc}.")
            return
        session.update(lambda p: setattr(p, "reviews", planned))

    st.button("Plan the reviews (day 30, 60, 90, then quarterly)", type="primary", key="reviews-plan",
              on_click=set_cadence)
else:
    frame = pd.DataFrame([{"review": r.title, "due": pd.Timestamp(r.due) if r.due else None, "owner": r.owner,
                           "status": reviews.status(r, today),
                           "held": (f"{r.held_on[:10]} by {r.held_by}" if r.held_on else "")} for r in plan.reviews])
    editor_key = session.key(f"reviews.editor.{st.session_state.get('reviews-editor-round', 0)}")

    def save_cadence() -> None:
        edits = st.session_state.get(editor_key, {}).get("edited_rows", {})

        refused: list[str] = []

        def apply(p) -> None:
            for index, change in edits.items():
                review = p.reviews[int(index)]
                if "review" in change:
                    title = str(change["review"] or "").strip()[:NAME_CHARS]
                    if title:
                        review.title = title
                    else:
                        refused.append(f"a review needs a title: “{review.title}” kept")
                if "owner" in change:
                    review.owner = str(change["owner"] or "").strip()[:NAME_CHARS]
                if "due" in change:
                    due = reviews.due_date(change["due"])
                    if due:
                        review.due = due
                    else:
                        refused.append(f"{review.title} needs a date between 2000 and 2100: {review.due} kept")

        session.update(apply)
        st.session_state["reviews-editor-round"] = st.session_state.get("reviews-editor-round", 0) + 1  # from the plan
        if refused:
            st.session_state["flash"] = ("warning", "Not changed: " + "; ".join(refused) + ".")

    st.data_editor(frame, key=editor_key, hide_index=True, width="stretch", on_change=save_cadence,
                   disabled=["status", "held"],
                   column_config={"due": st.column_config.DateColumn(format="D MMM YYYY"),
                                  "owner": st.column_config.TextColumn(help="Who holds this review")})
    st.caption(md(f"Next: {reviews.due_words(plan, today)}. Due within {reviews.DUE_SOON} days counts as due; "
                  "edit a title, date or owner in the table."))

# -- hold a review -----------------------------------------------------------------------------------------------


@st.cache_data(show_spinner="Reading the pilot's data so far…", max_entries=16)
def snapshot(plan_json: str, data_key: str) -> running.Snapshot:
    """The pilot as the review sees it, cached by the plan and its files."""
    from core.plan import Plan

    return running.snapshot(Plan.from_json(plan_json), joined)


try:
    now = snapshot(plan.to_json(), datasets.data_key(plan))
except ValueError as exc:
    st.error(md(f"The pilot's numbers cannot be read: {exc}"))
    now = running.Snapshot(None, [], [])
waiting = [i for i, r in enumerate(plan.reviews) if not r.held_on]
person = session.current_person()
if plan.reviews:
    st.header("Hold a review", anchor="hold")
    st.markdown("**The numbers so far**")
    for line in now.numbers or ["No outcome data yet (step 5 reads it once the measurement window has data)."]:
        st.markdown("- " + md(line))
    if now.health:
        st.markdown("**Pilot health**")
        for line in now.health:
            st.markdown("- " + md(line))
if waiting:
    with st.form(session.key("reviews.hold"), clear_on_submit=True):
        index = st.selectbox("Review", waiting, format_func=lambda i: f"{plan.reviews[i].title} (due "
                             f"{reviews.shown_day(plan.reviews[i].due)}, {reviews.status(plan.reviews[i], today)})")
        by = person or st.text_input("Held by (your name)", max_chars=NAME_CHARS,
                                     help="Without sign-in, a typed name is recorded as such.")
        notes = st.text_area("Notes (what was discussed)", max_chars=NOTE_CHARS)
        pending = st.text_area("Decisions pending", max_chars=NOTE_CHARS)
        if st.form_submit_button("Record this review", type="primary"):
            if not str(by or "").strip():
                st.error("Say who held the review (your name).")
            else:
                who = str(by).strip() + ("" if person else " (typed name)")
                session.update(lambda p: reviews.hold(p, index, by=who, notes=notes, pending=pending,
                                                      reading=now.reading, numbers=now.numbers, health=now.health))
                st.session_state["flash"] = ("success", f"{plan.reviews[index].title} recorded"
                                             + (" with the pilot's reading in the registry." if now.reading else "."))
                st.rerun()

# -- the status report -------------------------------------------------------------------------------------------
if plan.reviews:
    st.header("Status report", anchor="report")
    chosen = st.selectbox("For the review", range(len(plan.reviews)), key=session.key("reviews.report"),
                          index=waiting[0] if waiting else len(plan.reviews) - 1,
                          format_func=lambda i: plan.reviews[i].title)
    review = plan.reviews[chosen]
    found = reviews.report(plan, review, changes=reviews.changes_since(session.store(), plan, review, facts),
                           numbers=now.numbers, health=now.health, today=today,
                           signatures=[s.words() for s in signoff.standings(plan, facts)
                                       if not review.held_on or s.signoff.at <= review.held_on])  # given by then
    stem = f"status-{plan.id[:8]}-{chosen + 1}"
    left, right = st.columns(2)
    left.download_button("Download the status report (HTML)", reviews.report_html(found), file_name=f"{stem}.html",
                         mime="text/html", icon="📄", key="reviews-html", on_click="ignore")
    right.download_button("Download the status report (PDF)", reviews.report_pdf(found), file_name=f"{stem}.pdf",
                          mime="application/pdf", icon="📄", key="reviews-pdf", on_click="ignore")

# -- the living registry -----------------------------------------------------------------------------------------
st.header("The hypothesis registry", anchor="registry")
rows = reviews.registry_rows(plan)
if rows:
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.caption("Each hypothesis's assumed value and every value read at a review since (interim while the "
               "measurement window is incomplete, final after), with its 95% interval and who reviewed it.")
else:
    st.caption("No hypotheses in the registry (step 1).")

# -- sign-off ----------------------------------------------------------------------------------------------------
st.header("Sign-off", anchor="signoff")
for standing in signoff.standings(plan, facts):
    (st.success if standing.holds else st.warning)(md(standing.words()))
with st.form(session.key("reviews.sign"), clear_on_submit=True):
    what = st.radio("Sign", list(signoff.WHAT), format_func=signoff.WHAT.get, horizontal=True)
    if person:
        st.caption(md(f"Signing as {person} (your sign-in)."))
        name = person
    else:
        name = st.text_input("Your name", max_chars=NAME_CHARS,
                             help="Without sign-in the signature is a typed name, labelled as such.")
    role = st.text_input("Your role", placeholder="e.g. KPI owner, Finance", max_chars=NAME_CHARS)
    if st.form_submit_button("Sign", type="primary"):
        try:
            session.update(lambda p: signoff.sign(p, facts, what, name=str(name or ""), role=role,
                                                  signed_in=bool(person)))
        except ValueError as exc:
            st.error(md(f"Not signed: {exc}."))
        else:
            st.session_state["flash"] = ("success", f"Signed: {signoff.WHAT[what]}.")
            st.rerun()
