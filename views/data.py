"""Step 2 Data: upload the four sources, map columns, read the quality report, preview the joined panel."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from core import ingest, panel, periods, privacy, quality
from ui import datasets, session, widgets
from ui.text import md

plan = session.require_plan()
st.title("2 Data")
st.caption("Bring the four sources together: who people are (HRIS), what they did in the LMS, how they scored, "
           "and the business KPIs. Files stay with this plan; ids are shown only as pseudonyms, and gender, "
           "ethnicity and salary are never shown row by row.")

ICON = {"blocks": "⛔", "worth a look": "⚠️", "fine": "✅"}
ROLE_LABELS = ingest.ROLES
BY_LABEL = {label: role for role, label in ROLE_LABELS.items()}

if st.button("Load sample data", icon="📦", key=session.key("data.sample"),
             help="A generated organisation of 1,200 people, its twelve months before a pilot; once step 4 has drawn "
                  "a list, its pilot can be simulated with a known effect (sample_data/README.md)."):
    progress = st.progress(0.0, text="Loading the sample files…")
    try:
        datasets.load_sample(plan)
    except ingest.TableError as exc:
        st.error(str(exc))
    progress.progress(1.0, text="Sample data loaded.")
    st.rerun()


def examples(values: pd.Series, role: str) -> str:
    """Three values to recognise a column by: ids as pseudonyms; names, sensitive attributes and free text hidden."""
    if role in privacy.NOT_PER_ROW:
        return "(hidden)"
    sample = values[values != ""].head(3)
    if role in ("employee_id", "manager_id"):
        sample = privacy.pseudonymise(sample, datasets.pseudonym_key())
    return ", ".join(v[:30] for v in sample)


def upload_key(kind: str) -> str:
    return session.key(f"data.upload.{kind}.{st.session_state.get(f'data.reset.{kind}', 0)}")


def from_file(kind: str, label: str, mapping) -> None:
    upload = st.file_uploader(f"{label}: CSV or XLSX" + (" (replaces the current source)" if mapping else ""),
                              type=["csv", "txt", "xlsx", "xlsm", "xls"], key=upload_key(kind),
                              help=f"Files up to {ingest.MAX_BYTES / 1e6:.0f} MB. For a bigger export, keep "
                              "only the columns and months the pilot needs, or read it from a database.")
    if upload is None:
        return
    data = upload.getvalue()
    if mapping is None or hashlib.sha256(data).hexdigest() != mapping.sha256 or mapping.filename != upload.name:
        progress = st.progress(0.1, text=md(f"Reading {upload.name}…"))
        try:
            datasets.add(plan, kind, upload.name, data)
        except ingest.TableError as exc:
            progress.empty()
            st.error(md(f"{exc} Nothing was changed" + (f": {mapping.filename} is still in use." if mapping
                                                        else ".")))
        else:
            progress.progress(1.0, text=md(f"{upload.name} read."))
            if session.unsaved_work():
                st.rerun()  # the upload was not saved (someone else saved first, or a fault): say so at once


def from_database(kind: str, mapping, names: list[str]) -> None:
    """A table or one SELECT in a database named in .streamlit/secrets.toml; read only, summarised there."""
    with st.form(key=session.key(f"data.db.{kind}"), border=False):
        left, right = st.columns([1, 3])
        current = mapping.database if mapping is not None and mapping.database in names else names[0]
        name = left.selectbox("Database", names, index=names.index(current), key=session.key(f"data.db.name.{kind}"))
        query = right.text_area("Table (schema.table) or one SELECT query", height=80,
                                value=mapping.query if mapping is not None else "",
                                key=session.key(f"data.db.query.{kind}"),
                                help="Only reading is allowed. Events, assessments and KPIs are summarised per "
                                "person (and month) in the database: only those rows come back.")
        submitted = st.form_submit_button("Read from the database", icon="🗄️")
    if submitted:  # outside the form: a query that takes long shows its time and a Cancel button
        try:
            datasets.add_query(plan, kind, name, query)
        except ingest.TableError as exc:
            st.error(md(f"{exc} Nothing was changed."))
        else:
            if session.unsaved_work():
                st.rerun()  # not saved (someone else saved first, or a fault): say so at once


ORDERS = {"day-first": "day/month/year", "month-first": "month/day/year"}


def date_order_buttons(kind: str, finding: quality.Finding) -> None:
    """One click to read a file's dates the other way (or, when they are ambiguous, either way)."""
    offered = [o for o in ORDERS if o != finding.date_order]
    for column, order in zip(st.columns(len(offered) + 1)[:len(offered)], offered, strict=True):
        if column.button(f"Read the dates as {ORDERS[order]}", key=session.key(f"data.flip.{kind}.{order}"
                                                                                   f".{finding.column}")):
            session.update(lambda p, o=order: setattr(p.data.sources[kind], "date_order", o))
            st.rerun()


def roles_editor(kind: str, mapping, columns: ingest.Table, *, dates: bool) -> None:
    """Each column's role, its blanks and three examples (hidden or pseudonymised), editable; the date order."""
    frame = columns.frame
    effective = ingest.effective_roles(columns, mapping.roles, mapping.not_sensitive)
    rows = [{"column": c, "role": ROLE_LABELS[mapping.roles.get(c, "ignore")],
             "blank": int(columns.blank(c).sum()), "examples": examples(frame[c], effective.get(c, ""))}
            for c in frame.columns]
    editor_key = session.key(f"data.roles.{kind}")
    edited = st.data_editor(
        pd.DataFrame(rows), key=editor_key, hide_index=True, width="stretch",
        disabled=["column", "blank", "examples"], num_rows="fixed",
        column_config={"role": st.column_config.SelectboxColumn("role", options=list(BY_LABEL), required=True)},
    )
    roles = {r["column"]: BY_LABEL[r["role"]] for r in edited.to_dict("records")}
    if widgets.edited(editor_key) and roles != mapping.roles:
        session.update(lambda p: setattr(p.data.sources[kind], "roles", roles))
        st.rerun()
    for column in [c for c, r in mapping.roles.items() if r not in ("sensitive", "ignore")
                   and effective.get(c) == "sensitive"]:
        st.warning(md(f"“{column}” looks like a protected attribute (gender, ethnicity, pay, age…), so it stays "
                      "hidden as Sensitive whatever role it is given: never shown person by person, never a group "
                      "or a stratum. If it holds no such attribute, its owner can declare that; the declaration is "
                      "recorded in the plan's history."))
        if st.button(md(f"Declare “{column}” is not a protected attribute"),
                     key=session.key(f"data.declare.{kind}.{column}")):
            session.update(lambda p, c=column: p.data.sources[kind].not_sensitive.append(c))
            st.rerun()
    if dates:
        orders = {"auto": "Decide from the data (report ambiguous dates)", "day-first": "Day first (31/12)",
                  "month-first": "Month first (12/31)"}
        chosen = st.radio("Date order", list(orders), format_func=orders.get, horizontal=True,
                          index=list(orders).index(mapping.date_order),  # a new file or a click: redrawn
                          key=session.key(f"data.order.{kind}.{mapping.sha256}.{mapping.date_order}"))
        if chosen != mapping.date_order:
            session.update(lambda p: setattr(p.data.sources[kind], "date_order", chosen))
            st.rerun()


def refresh_and_remove(kind: str, mapping, where) -> None:
    if mapping.database and where.button("Refresh", key=session.key(f"data.refresh.{kind}"),
                                         help="Read it from the database again."):
        datasets.refresh(plan, kind)
        st.rerun()
    if where.button("Remove", key=session.key(f"data.remove.{kind}")):
        datasets.remove(plan, kind)
        st.session_state[f"data.reset.{kind}"] = st.session_state.get(f"data.reset.{kind}", 0) + 1
        st.rerun()


databases = sorted(datasets.databases())
for kind, label in panel.KINDS.items():
    mapping = plan.data.sources.get(kind)
    with st.container(border=True):
        st.subheader(label)
        where = "A file"
        if databases:
            where = st.radio("Source", ["A file", "A table or query in a database"], horizontal=True,
                             index=1 if mapping is not None and mapping.database else 0,
                             key=session.key(f"data.where.{kind}"), label_visibility="collapsed")
        if where == "A file":
            from_file(kind, label, mapping)
        else:
            from_database(kind, mapping, databases)
        mapping = plan.data.sources.get(kind)
        if mapping is None:
            st.caption("Nothing read yet.")
            continue
        try:
            table, parsed, report = datasets.analysed(plan, kind)
        except (ingest.TableError, session.StoreError) as exc:
            try:  # a database's sample may still be readable: its roles can be put right here
                columns = datasets.columns_table(plan, kind) if mapping.database else None
            except (ingest.TableError, session.StoreError):
                columns = None
            advice = ("Upload it again." if not mapping.database else "Change the column roles below, Refresh, or "
                      "read another table." if columns is not None else "When the database is back, Refresh.")
            st.error(md(f"{mapping.filename} can no longer be read: {exc} {advice}"))
            refresh_and_remove(kind, mapping, st)
            if columns is not None:
                with st.expander("Columns and what they are", expanded=True):
                    roles_editor(kind, mapping, columns, dates=False)
            continue
        head, buttons = st.columns([5, 1])
        head.markdown(f"{ICON[report.severity]} **{md(mapping.filename)}**: {report.rows:,} rows, {report.columns} "
                      f"columns" + (f", {report.date_range[0]} to {report.date_range[1]}" if report.date_range else "")
                      + f" · {report.severity}")
        refresh_and_remove(kind, mapping, buttons)
        for finding in report.findings:
            text = f"**{md(finding.column)}**: {md(finding.message)}" if finding.column else md(finding.message)
            {"blocks": st.error, "worth a look": st.warning, "fine": st.info}[finding.severity](text)
            if finding.date_order:
                date_order_buttons(kind, finding)
        with st.expander("Columns and what they are"):
            try:
                roles_editor(kind, mapping, datasets.columns_table(plan, kind), dates=bool(parsed.dates))
            except (ingest.TableError, session.StoreError) as exc:
                st.error(md(f"The columns cannot be shown now: {exc}"))

st.header("The joined panel", anchor="panel")
joined = datasets.joined(plan)
if joined is None:
    st.info("A source above cannot be read: fix it, Refresh it or remove it to see the joined panel."
            if plan.data.sources else "Upload files (or load the sample data) to see the joined panel.")
    st.stop()
found = datasets.sources(plan)
for finding in quality.join_findings({k: (s.table.name, s.ids()) for k, s in found.items()}):
    (st.error if finding.severity == "blocks" else st.warning)(md(finding.message))
people = joined.people
st.markdown(f"**{len(people):,} people**" + (f"; **{len(joined.periods):,} employee-{joined.grain}s** of KPIs, "
                                               f"{joined.says_grain()}" if joined.periods is not None
                                               and not joined.periods.empty else ""))
if joined.grain != "month":
    st.caption(f"The KPIs are {periods.ADJECTIVE[joined.grain]} and stay so in the estimates of step 5. The pilot's "
               "windows are months: a period counts in the window its first day falls in. Waves and one-site pilots "
               "are analysed on monthly means.")
key = datasets.pseudonym_key()
preview = privacy.safe_rows(people.head(200), joined.roles, key)
st.dataframe(preview, hide_index=True, width="stretch",
             column_config={c: st.column_config.DateColumn(c) for c in preview.columns
                            if pd.api.types.is_datetime64_any_dtype(preview[c]) and c != "lms_last_activity"})
st.caption("First 200 people. Ids are keyed pseudonyms; names, sensitive attributes (gender, ethnicity, pay…) "
           "and free text are not shown.")

groups = privacy.groupable(people, [c for c, r in joined.roles.items()  # never a sensitive attribute
                                    if r in ("team", "site", "category") and c in people])
measures = [c for c, r in joined.roles.items() if r == "measure" and c in people]
if groups and measures:
    st.subheader("Compare groups")
    left, right = st.columns(2)
    by = left.selectbox("Group by", groups, key=session.key("data.group_by"))
    value = right.selectbox("Measure", measures, key=session.key("data.group_value"))
    summary = privacy.group_summary(people.reset_index(), by=by, value=value)
    st.dataframe(summary, hide_index=True, width="stretch")
    if summary["note"].ne("").any():
        st.caption("Groups of fewer than 5 people are hidden, and so is the next smallest group when the hidden one "
                   "could be worked out from the total.")
