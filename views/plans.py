"""Plans (home): create, open, rename, duplicate, archive, delete, import and export plans."""

from __future__ import annotations

from datetime import date

import streamlit as st

from core import export, plan_diff, reviews
from core.plan import PlanFormatError
from core.store import NotFoundError, StoreError
from core.templates import TEMPLATES
from ui import session
from ui.text import md

IMPORT_CAP_BYTES = 5 * 1024 * 1024

store = session.store()
st.title("Pilot ROI")
session.page_messages()
st.caption(
    "Prove whether a training program pays off: set goals, bring your data, map KPIs, design a 90-day "
    "control-group pilot, and turn the result into an ROI range Finance will accept."
)

busy = session.unsaved_work()  # creating or opening another plan would drop the open plan's only copy
if busy and (open_plan := session.current_plan()) is not None:
    st.warning(md(f"“{open_plan.name}” has changes that are not stored ({busy}). Keep them (save them as a new "
                  "plan) or discard them above before you create, import or open another plan."))

with st.form("create-plan", clear_on_submit=True, border=True):
    st.subheader("New plan")
    name = st.text_input("Name", placeholder="e.g. Sales skills pilot, Q1")
    template = st.selectbox("Start from", list(TEMPLATES), format_func=lambda k: TEMPLATES[k][0])
    if st.form_submit_button("Create plan", type="primary", disabled=bool(busy)):
        plan = TEMPLATES[template][1]()
        plan.name = name if name.strip() else (plan.name if template != "blank" else "")
        try:
            created, version = store.create(plan, owner=session.current_person())
        except (PlanFormatError, StoreError) as exc:
            st.error(md(f"Could not create the plan. {exc}"))
        else:
            session.set_plan(created, version)
            st.session_state["flash"] = ("success", f"Created “{created.name}”. Next: 1 Goals.")
            st.rerun()

with st.expander("Import a plan from JSON"):
    upload = st.file_uploader("Plan file (.json, exported from Pilot ROI)", type=["json"], key="import-json")
    if upload is not None and st.button("Import", key="import-go", disabled=bool(busy)):
        data = upload.getvalue()
        if len(data) > IMPORT_CAP_BYTES:
            st.error(md(f"{upload.name}: {len(data) / 1e6:.1f} MB is larger than the 5 MB a plan can be."))
        else:
            try:
                plan, version = store.import_json(data, owner=session.current_person())
            except PlanFormatError as exc:
                st.error(md(f"{upload.name} could not be imported: {exc} Nothing was changed."))
            except StoreError as exc:
                st.error(str(exc))
            else:
                session.set_plan(plan, version)
                st.session_state["flash"] = ("success", f"Imported “{plan.name}”.")
                st.rerun()

def may_delete(plan_id: str) -> bool:
    """Without sign-in anyone may; with it, only the owner (people a plan is shared with edit, never delete)."""
    person = session.current_person()
    return person is None or (person, "owner") in store.access(plan_id)


def _reviews_due(plan_id: str, version: int) -> str:
    """The plan's next review in words when it has a cadence ("" otherwise, or when it cannot be read)."""
    try:
        due = reviews.due_words(store.load(plan_id)[0], date.today())
    except (NotFoundError, PlanFormatError):
        return ""
    return "" if due == "no cadence" else due


show_archived = st.toggle("Show archived plans", key="show-archived")
rows = store.list_plans(include_archived=show_archived, person=session.current_person(), admin=session.is_admin())
st.subheader("Your plans" if rows else "No plans yet: create one above.")
current = session.current_plan()

for row in rows:
    with st.container(border=True):
        head, actions = st.columns([3, 5])
        marker = "▶ " if current is not None and current.id == row.id else ""
        head.markdown(f"**{marker}{md(row.name)}**" + (" · archived" if row.archived else ""))
        head.caption(f"updated {row.updated_at.replace('T', ' ')[:16]} UTC · version {row.version}")
        due = _reviews_due(row.id, row.version)
        if due:
            (head.warning if due.startswith("overdue") else head.caption)(md(f"Reviews: {due}"))
        buttons = actions.columns(6)
        if buttons[0].button("Open", key=f"open-{row.id}", type="primary",
                             disabled=bool(busy) and (current is None or current.id != row.id)):
            if session.open_plan(row.id):
                st.switch_page("views/goals.py")
            st.rerun()
        with buttons[1].popover("Rename"):
            new_name = st.text_input("New name", value=row.name, key=f"rename-name-{row.id}")
            if st.button("Save name", key=f"rename-go-{row.id}"):
                try:
                    store.rename(row.id, new_name, expected_version=row.version)
                except (PlanFormatError, StoreError) as exc:
                    st.error(md(str(exc)))
                else:
                    if current is not None and current.id == row.id:
                        session.open_plan(row.id)
                    st.rerun()
        if buttons[2].button("Duplicate", key=f"dup-{row.id}"):
            copy, _ = store.duplicate(row.id, owner=session.current_person())
            st.session_state["flash"] = ("success", f"Created “{copy.name}”.")
            st.rerun()
        label = "Unarchive" if row.archived else "Archive"
        if buttons[3].button(label, key=f"arch-{row.id}"):
            store.set_archived(row.id, not row.archived)
            st.rerun()
        try:
            plan_json = store.load(row.id)[0].to_json()
        except PlanFormatError as exc:  # one bad plan is a row that says why, never an error for everyone
            plan_json = store.stored_json(row.id)
            st.warning(md(f"“{row.name}” cannot be opened: the stored plan does not validate ({exc}). Export it, "
                          "correct it and import it again."))
        buttons[4].download_button("Export", plan_json, file_name=f"{export.safe_stem(row.name)}.json",
                                   mime="application/json", key=f"export-{row.id}", on_click="ignore")
        if may_delete(row.id) and buttons[5].button("Delete", key=f"del-{row.id}"):
            st.session_state["confirm-delete"] = row.id
        if st.session_state.get("confirm-delete") == row.id:
            st.warning(md(f"Delete “{row.name}” and all its history for good? This cannot be undone."))
            yes, no = st.columns(2)
            if yes.button("Yes, delete it", key=f"del-yes-{row.id}", type="primary"):
                store.delete(row.id)
                st.session_state.pop("confirm-delete", None)
                if current is not None and current.id == row.id:
                    session.close_plan()
                st.rerun()
            if no.button("Cancel", key=f"del-no-{row.id}"):
                st.session_state.pop("confirm-delete", None)
                st.rerun()

if current is not None:
    with st.expander(f"History of “{md(current.name)}”"):
        entries = store.history(current.id)
        if not entries:
            st.caption("No earlier versions yet: each save keeps the one before it here.")
        kinds = {"saved": "earlier version", "conflict": "rejected save (kept after a conflict)"}
        newer = current
        for entry in entries[:50]:
            left, right = st.columns([4, 1])
            left.text(f"Version {entry.version} · {kinds.get(entry.kind, entry.kind)} · "
                      f"{entry.saved_at.replace('T', ' ')[:16]} UTC" + (f" · by {entry.saved_by}" if entry.saved_by
                                                                        else ""))
            try:
                older = store.load_history(entry.id)
            except (StoreError, ValueError):
                older = None
            if older is not None:
                said = plan_diff.changes(older, newer)
                left.caption(md("The next version changed: " + "; ".join(said) if said else "No change after it."))
                newer = older
            if right.button("Restore", key=f"restore-{entry.id}"):
                try:
                    store.restore(entry.id, expected_version=st.session_state["plan_version"])
                except StoreError as exc:
                    st.error(md(str(exc)))
                else:
                    session.open_plan(current.id)
                    st.session_state["flash"] = ("success", f"Restored version {entry.version}.")
                    st.rerun()

person = session.current_person()
if current is not None and person is not None:
    with st.expander(f"Who can see “{md(current.name)}”"):
        access = store.access(current.id)
        owner = next((who for who, role in access if role == "owner"), None)
        for who, role in access:
            left, right = st.columns([4, 1])
            left.text(f"{who} · {role}")
            if role != "owner" and person == owner and right.button("Stop sharing", key=f"unshare-{who}"):
                store.unshare(current.id, who)
                st.rerun()
        if owner is None:
            st.caption("Made before sign-in was configured: it has no owner, and only admins see it. "
                       "Take ownership to share it.")
            if st.button("Take ownership", key="claim"):
                try:
                    store.claim(current.id, person)
                except StoreError as exc:
                    st.error(md(str(exc)))
                else:
                    st.rerun()
        if person == owner:
            email = st.text_input("Share with (their sign-in email)", key="share-email", max_chars=320)
            if st.button("Share", key="share-go") and email.strip():
                try:
                    store.share(current.id, email)
                except StoreError as exc:
                    st.error(md(str(exc)))
                else:
                    st.session_state["flash"] = ("success", f"Shared with {email.strip()}.")
                    st.rerun()
