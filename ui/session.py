"""The current plan in `st.session_state`, autosave with optimistic locking, and the save state.

Session keys: ``plan`` (the Plan being edited), ``plan_version`` (the stored version it was loaded at),
``save_state`` ("saved" | "unsaved" | "conflict" | "error"), ``saved_at``, ``save_error``, ``epoch``
(bumped whenever the plan is replaced, so widget keys change and widgets re-read the plan).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import streamlit as st

from core import identity
from core.plan import Plan, PlanFormatError
from core.store import ConflictError, NotFoundError, Store, StoreError, db_location
from ui.text import md


@st.cache_resource(show_spinner=False)
def _store(path: str) -> Store:
    return Store(path)


def setting(name: str, default=None):
    """A value of `[pilot_roi]` in .streamlit/secrets.toml (`default` without the file or the key)."""
    try:
        return st.secrets.get("pilot_roi", {}).get(name, default)
    except (FileNotFoundError, KeyError, AttributeError, st.errors.StreamlitSecretNotFoundError):
        return default


def store() -> Store:
    """The store PILOT_ROI_DB (or `[pilot_roi] database`) names; a page that cannot reach it says why and stops."""
    try:
        return _store(db_location(setting("database")))
    except StoreError as exc:
        st.error(str(exc))
        st.stop()
        raise  # unreachable: st.stop() raises


def signed_in_mode() -> bool:
    """Whether sign-in ([auth] in .streamlit/secrets.toml) is configured."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return False


def _identity() -> tuple[str | None, str]:
    """(the signed-in person, why they are not let in): their verified email, or the claim
    `[pilot_roi] identity_claim` names (core/identity.py); (None, "") without sign-in (single-user)."""
    if not signed_in_mode() or not st.user.is_logged_in:
        return None, ""
    try:
        return identity.person(st.user.to_dict(), setting("identity_claim", "email")), ""
    except identity.IdentityError as exc:
        return None, str(exc)


def current_person() -> str | None:
    """The signed-in person; None without sign-in, or when the claims name nobody the app can trust."""
    return _identity()[0]


def identity_problem() -> str:
    """Why a signed-in account is not let in ("" when it is)."""
    return _identity()[1]


def still_open() -> bool:
    """Whether the session's plan is still stored and the signed-in person may still see it. Checked on every run
    and before every save, against the store: a plan deleted on another app server, or a "Stop sharing", takes
    effect on each person's next action, not on their next reload.

    A plan no longer shared is closed (its owner withdrew it). A plan no longer stored — deleted elsewhere, or the
    database replaced — stays open as the one copy left, and the page asks what to do with it (`gone_banner`)."""
    plan = current_plan()
    if plan is None:
        return True
    if not store().exists(plan.id):
        st.session_state["plan_gone"] = True
        return False
    if store().can_see(plan.id, current_person(), admin=is_admin()):
        return True
    close_plan()
    st.session_state["flash"] = ("error", "This plan is no longer shared with you: its owner stopped sharing it. "
                                          "Your last change was not saved.")
    return False


def unsaved_work() -> str:
    """Why the plan open in this session holds changes the store does not have ("" when it holds none): opening
    or creating another plan would drop them, so the pages ask first."""
    if st.session_state.get("plan_gone"):
        return "it is no longer stored"
    return {"conflict": "someone else saved it meanwhile",
            "error": "its last change could not be saved"}.get(st.session_state.get("save_state"), "")


def is_admin() -> bool:
    """Whether the signed-in person is listed in ``[pilot_roi] admins`` in secrets.toml: admins see the plans
    made before sign-in was configured (they have no owner) and may claim them."""
    person = current_person()
    if person is None:
        return False
    admins = setting("admins", [])
    return person in {str(a).strip().lower() for a in admins}


def current_plan() -> Plan | None:
    return st.session_state.get("plan")


def page_messages() -> None:
    """Messages every page shows first: a pending flash, a save error, a conflict to resolve."""
    show_flash()
    repaired = st.session_state.pop("repairs", None)
    if repaired:
        st.warning(md(f"This plan had {len(repaired)} value(s) outside what the app can use; each was reset to its "
                      "default and is saved with your next change:\n\n") + "\n".join(f"- {md(r)}" for r in repaired))
    gone_banner()
    conflict_banner()


def require_plan() -> Plan:
    """The current plan (after the page messages), or a pointer to the Plans page and a stop."""
    page_messages()
    if st.session_state.get("plan_gone"):
        st.stop()  # the banner above asks what to do with the last copy; nothing is computed from a plan not stored
    plan = current_plan()
    if plan is None:
        st.info("Open or create a plan first.")
        st.page_link("views/plans.py", label="Go to Plans", icon="📋")
        st.stop()
    return plan


def key(name: str) -> str:
    """A widget key tied to the current plan and epoch, so a reloaded plan gets fresh widgets."""
    plan = current_plan()
    plan_id = plan.id if plan else "none"
    return f"{plan_id}.{st.session_state.get('epoch', 0)}.{name}"


def set_plan(plan: Plan, version: int) -> None:
    from core.plan_checks import repair

    repaired = repair(plan)  # out-of-range values (a hand-edited or faulty file) back to defaults, said below
    if repaired:
        st.session_state["repairs"] = repaired
    st.session_state.pop("plan_gone", None)
    st.session_state["plan"] = plan
    st.session_state["plan_version"] = version
    st.session_state["save_state"] = "saved"
    st.session_state["saved_at"] = datetime.now().strftime("%H:%M")
    st.session_state.pop("conflict", None)
    st.session_state.pop("pending_files", None)
    st.session_state["epoch"] = st.session_state.get("epoch", 0) + 1
    st.query_params["plan"] = plan.id


def close_plan() -> None:
    for name in ("plan", "plan_version", "save_state", "saved_at", "conflict", "save_error", "pending_files",
                 "plan_gone"):
        st.session_state.pop(name, None)
    st.query_params.pop("plan", None)


def open_plan(plan_id: str) -> bool:
    """Load `plan_id` into the session; False (with a message kept for the page) if it cannot."""
    if not store().can_see(plan_id, current_person(), admin=is_admin()):
        st.session_state["flash"] = ("error", "This plan is not shared with you: ask its owner to share it.")
        return False
    try:
        plan, version = store().load(plan_id)
    except (NotFoundError, PlanFormatError) as exc:
        st.session_state["flash"] = ("error", str(exc))
        return False
    set_plan(plan, version)
    return True


def sync_query_param() -> None:
    """Open the plan named by ``?plan=<id>`` when it differs from the session's plan."""
    still_open()  # every run: a plan deleted or no longer shared is closed before anything is shown
    wanted = st.query_params.get("plan")
    plan = current_plan()
    if wanted and plan is not None and plan.id != wanted and (reason := unsaved_work()):
        st.query_params["plan"] = plan.id  # a link to another plan waits: this one's changes would be lost
        st.session_state["flash"] = ("warning", f"“{plan.name}” has changes that are not stored ({reason}): keep "
                                                "or discard them below before opening another plan.")
    elif wanted and (plan is None or plan.id != wanted):
        if not open_plan(wanted):
            st.query_params.pop("plan", None)
    elif plan is not None and not wanted:
        st.query_params["plan"] = plan.id


def save(files: dict[str, bytes] | None = None) -> bool:
    """Save the session's plan (with the uploads its version references); on a conflict keep it in the session
    and flag the conflict."""
    plan = current_plan()
    if plan is None:
        return False
    # uploads a failed save could not write stay in the session and go with the next save (retry or not)
    files = {**st.session_state.get("pending_files", {}), **(files or {})}
    try:
        if not still_open():
            return False
        version = store().save(plan, expected_version=st.session_state["plan_version"], files=files,
                               by=current_person() or "")
    except ConflictError as exc:
        st.session_state["save_state"] = "conflict"
        st.session_state["conflict"] = exc
        return False
    except (StoreError, PlanFormatError) as exc:
        st.session_state["save_state"] = "error"
        st.session_state["save_error"] = str(exc)
        st.session_state["pending_files"] = files
        return False
    st.session_state.pop("pending_files", None)
    st.session_state["plan_version"] = version
    st.session_state["save_state"] = "saved"
    st.session_state["saved_at"] = datetime.now().strftime("%H:%M")
    st.session_state.pop("save_error", None)
    return True


def update(change: Callable[[Plan], None], *, files: dict[str, bytes] | None = None) -> bool:
    """Apply `change` to the current plan and autosave it (with `files`, SHA-256 → bytes, the uploads the
    change references), unless a conflict is pending."""
    plan = current_plan()
    if plan is None:
        return False
    change(plan)
    if st.session_state.get("save_state") == "conflict":
        return False  # the banner asks the user to choose before anything else is written
    st.session_state["save_state"] = "unsaved"
    return save(files)


def save_state_label() -> str:
    state = st.session_state.get("save_state")
    if st.session_state.get("plan_gone"):
        return "❌ not stored"
    if state == "saved":
        return f"✅ saved {st.session_state.get('saved_at', '')}"
    if state == "unsaved":
        return "✏️ unsaved changes"
    if state == "conflict":
        return "⚠️ conflict: someone else saved this plan"
    if state == "error":
        return "❌ not saved"
    return ""


def gone_banner() -> None:
    """The plan open here is no longer stored: keep this last copy as a new plan, or close it — never dropped
    without asking."""
    plan = current_plan()
    if plan is None or not st.session_state.get("plan_gone"):
        return
    st.error(md(f"“{plan.name}” is no longer stored: it was deleted (by its owner, perhaps in another window or on "
                "another app server), or the database was replaced. The copy open here is the last one (its uploaded "
                "files went with it: upload them again after saving)."))
    left, right = st.columns(2)
    left.button("Save it as a new plan", key="gone-copy", icon="📄", type="primary", on_click=_save_as_new_plan)
    right.button("Close it without saving", key="gone-close", icon="🗑️", on_click=close_plan)


def conflict_banner() -> None:
    """Offer "reload theirs" / "save mine as a copy" while a conflict is pending."""
    if st.session_state.get("save_state") == "error" and not st.session_state.get("plan_gone"):
        st.error(md(f"Your last change was not saved: {st.session_state.get('save_error')}"))
        left, middle, right = st.columns(3)
        left.button("Try saving again", key="error-retry", icon="🔁", on_click=save)
        middle.button("Save it as a new plan", key="error-copy", icon="📄", on_click=_save_as_new_plan)
        right.button("Discard my changes", key="error-discard", icon="↩️", on_click=_discard)
    conflict: ConflictError | None = st.session_state.get("conflict")
    if conflict is None:
        return
    st.warning(md(str(conflict)))
    left, right = st.columns(2)
    if left.button("Reload theirs", key="conflict-reload", icon="🔄"):
        open_plan(conflict.plan_id)
        st.rerun()
    if right.button("Save mine as a copy", key="conflict-copy", icon="📄"):
        plan = current_plan()
        if plan is not None:
            copy, version = store().save_as_copy(plan, owner=current_person())
            set_plan(copy, version)
            st.session_state["flash"] = ("success", f"Your version is saved as “{copy.name}”.")
            st.rerun()


def _save_as_new_plan() -> None:
    """The way out of a storage fault: the session's plan saved as a new plan (once the database works)."""
    plan = current_plan()
    if plan is None:
        return
    try:
        copy, version = store().save_as_copy(plan, owner=current_person(),
                                             files=st.session_state.get("pending_files"))
    except StoreError as exc:
        st.session_state["save_error"] = str(exc)
    else:
        set_plan(copy, version)
        st.session_state["flash"] = ("success", f"Saved as “{copy.name}”.")


def _discard() -> None:
    """Drop the session's unsaved changes: the plan as last stored, or no plan when it is not stored any more."""
    plan = current_plan()
    if plan is None or not open_plan(plan.id):
        close_plan()


def show_flash() -> None:
    """Show (once) a message left by a callback or a previous rerun."""
    flash = st.session_state.pop("flash", None)
    if flash:
        kind, text = flash
        getattr(st, kind)(md(text))
