"""HR measures: recommendations with reasons, action plans (create, run, evaluate), good
examples (HTML/PDF) and the measure catalogue with the organisation's own entries."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

import streamlit as st

from bgm_dashboard.errors import UserError
from bgm_dashboard.formatting import day, number, period
from bgm_dashboard.governance.settings import current
from bgm_dashboard.interventions.catalogue import EFFORTS, Intervention, load_catalogue, save_entry
from bgm_dashboard.interventions.continuity import add_months
from bgm_dashboard.interventions.effect import EFFECTIVE, TOO_LITTLE, evaluate_all
from bgm_dashboard.interventions.good_example import build_summary, to_html, to_pdf
from bgm_dashboard.interventions.plans import (
    STATUSES,
    TRANSITIONS,
    PlanInput,
    PlanView,
    all_plans,
    change_status,
    create_plan,
    list_plans,
    record_evaluation,
    set_good_example,
    set_standing_practice,
    unit_choices,
    update_plan,
)
from bgm_dashboard.interventions.recommend import by_unit as recommendations_by_unit
from bgm_dashboard.interventions.recommend import reason, recommend
from bgm_dashboard.interventions.report import verdict_text
from bgm_dashboard.interventions.timeline import related_units
from bgm_dashboard.ui.actions import flash, show_flash
from bgm_dashboard.ui.audit import log_view
from bgm_dashboard.ui.context import app_context
from bgm_dashboard.ui.data import figures
from bgm_dashboard.ui.downloads import audited_download
from bgm_dashboard.ui.guard import require_roles
from bgm_dashboard.ui.lang import lang, tr
from bgm_dashboard.ui.measures import evaluation_table, verdict_box
from bgm_dashboard.ui.plain import plain

PAGE = "measures"
TAB_KEY = "mp_tab"
ENTRY_KEY = "mp_new_entry"
UNITS_KEY = "mp_new_units"


def html_bytes(summary: Any) -> bytes:
    return to_html(summary).encode("utf-8")


# The bilingual texts of an own catalogue entry: (field, label key, multi-line).
TEXT_FIELDS = (
    ("title", "title", False),
    ("description", "desc", True),
    ("workshop_idea", "idea", False),
    ("duration", "duration", False),
    ("evaluation", "eval", True),
)

viewer = require_roles("hr")
ctx = app_context()
bank = ctx.bank
today = date.today()
quarterly = figures(viewer, granularity="quarter")
with ctx.read() as session:
    entries = load_catalogue(session)
    plans = all_plans(session)
    units = unit_choices(session, active_only=False)
    active_units = unit_choices(session)
    governance = current(session)
k = governance.min_group_size
names: dict[str, str] = {u.code: u.name for u in units}
depth: dict[str, int] = {u.code: u.depth for u in units}
by_code = {e.code: e for e in entries}
indicator_codes = [c for c in bank.indicator_codes if c != "responses"]
titles = {c: bank.scale(c).title[lang()] for c in bank.indicator_codes}
evaluations = evaluate_all(quarterly, plans, bank) if not quarterly.empty else {}


def unit_label(code: str) -> str:
    return "\u2003" * depth.get(code, 0) + names.get(code, code)


def entry_title(code: str) -> str:
    entry = by_code.get(code)
    return entry.title(lang()) if entry else code


def show_error(error: UserError) -> None:
    st.error(error.message(lang()))


def take_over(code: str, unit: str) -> None:
    st.session_state[ENTRY_KEY] = code
    st.session_state[UNITS_KEY] = [unit]
    st.session_state.pop(f"mp_n_units_{code}", None)
    st.session_state[TAB_KEY] = tr("measures.tab_new")


st.title(tr("measures.title"))
st.caption(tr("measures.intro"))
show_flash()

tab_labels = [
    tr("measures.tab_reco"),
    tr("measures.tab_plans"),
    tr("measures.tab_new"),
    tr("measures.tab_catalogue"),
]
if st.session_state.get(TAB_KEY) not in (None, *tab_labels):
    del st.session_state[TAB_KEY]  # a label of the other language after switching
tab_reco, tab_plans, tab_new, tab_catalogue = st.tabs(tab_labels, key=TAB_KEY, on_change="rerun")

# ----------------------------------------------------------------------------- recommendations
with tab_reco:
    if quarterly.empty:
        st.info(tr("measures.nothing_published"))
    else:
        published = quarterly.drop_duplicates("code").sort_values("order")
        codes = list(published["code"])
        quarters = sorted(quarterly.loc[quarterly["status"] == "shown", "period"].unique())
        c1, c2 = st.columns(2)
        quarter = c2.selectbox(
            tr("measures.quarter"),
            quarters,
            index=len(quarters) - 1,
            format_func=lambda q: period(q, lang()),
            key="mp_reco_quarter",
        )
        urgent = recommendations_by_unit(quarterly, quarter, entries, bank)
        if "mp_reco_unit" not in st.session_state and urgent:
            st.session_state["mp_reco_unit"] = urgent[0][0]
        unit = c1.selectbox(tr("measures.unit"), codes, format_func=unit_label, key="mp_reco_unit")
        if urgent:
            with st.expander(tr("measures.reco_units", count=len(urgent))):
                st.dataframe(
                    [
                        {
                            tr("measures.unit"): names.get(code, code),
                            tr("measures.col_count"): len(recs),
                            tr("measures.col_top"): recs[0].entry.title(lang()),
                        }
                        for code, recs in urgent
                    ],
                    hide_index=True,
                    width="stretch",
                )
        log_view(viewer, PAGE, unit=unit, period=quarter)
        found = recommend(quarterly, unit, quarter, entries, bank)
        with ctx.read() as session:
            related = related_units(session, unit) or set()
        st.caption(tr("measures.reco_caption"))
        if not found:
            st.success(tr("measures.reco_none", unit=plain(names.get(unit, unit))))
        for rec in found:
            with st.container(border=True):
                st.markdown(f"**{plain(rec.entry.title(lang()))}**")
                st.markdown(plain(reason(rec, bank, lang())))
                running = [
                    p
                    for p in plans
                    if p.intervention_code == rec.entry.code
                    and p.status in ("planned", "running")
                    and set(p.unit_ids) & related
                ]
                for p in running:
                    st.caption(
                        tr(
                            "measures.reco_running",
                            title=plain(p.title),
                            status=tr(f"plans.status.{p.status}"),
                        )
                    )
                st.caption(
                    tr(
                        "measures.entry_facts",
                        effort=tr(f"interventions.effort.{rec.entry.effort}"),
                        duration=plain(rec.entry.text("duration", lang())),
                    )
                )
                st.button(
                    tr("measures.take_over"),
                    key=f"mp_take_{rec.entry.code}",
                    on_click=take_over,
                    args=(rec.entry.code, unit),
                )

# ----------------------------------------------------------------------------- plans
with tab_plans:
    f1, f2, f3 = st.columns([2, 2, 1])
    filter_unit = f1.selectbox(
        tr("measures.filter_unit"),
        [""] + [u.code for u in units],
        format_func=lambda c: tr("measures.all") if not c else unit_label(c),
        key="mp_filter_unit",
    )
    filter_status = f2.selectbox(
        tr("measures.filter_status"),
        ["", *STATUSES],
        format_func=lambda s: tr("measures.all") if not s else tr(f"plans.status.{s}"),
        key="mp_filter_status",
    )
    filter_overdue = f3.checkbox(tr("measures.filter_overdue"), key="mp_filter_overdue")
    with ctx.read() as session:
        shown_plans = list_plans(
            session,
            today=today,
            unit=filter_unit or None,
            status=filter_status or None,
            overdue=filter_overdue,
        )
    if not shown_plans:
        st.info(tr("measures.no_plans"))
    else:
        st.dataframe(
            [
                {
                    tr("measures.col_title"): p.title,
                    tr("measures.col_units"): ", ".join(names.get(c, c) for c in p.unit_codes),
                    tr("measures.col_owner"): p.owner,
                    tr("measures.col_start"): day(p.starts_on, lang()),
                    tr("measures.col_end"): day(p.planned_end, lang()),
                    tr("measures.col_status"): tr(f"plans.status.{p.status}")
                    + (" ⚠ " + tr("measures.overdue") if p.is_overdue(today) else ""),
                    tr("measures.col_target"): titles.get(p.target_indicator, p.target_indicator),
                    tr("measures.col_verdict"): (
                        verdict_text(evaluations[p.id].verdict, lang())
                        if p.id in evaluations
                        else "–"
                    ),
                    tr("measures.col_evaluated"): day(p.evaluated_on, lang())
                    if p.evaluated_on
                    else "–",
                }
                for p in shown_plans
            ],
            hide_index=True,
            width="stretch",
        )
        plan_ids = [p.id for p in shown_plans]
        chosen_id = st.selectbox(
            tr("measures.open_plan"),
            plan_ids,
            format_func=lambda i: next(p.title for p in shown_plans if p.id == i),
            key="mp_plan",
        )
        plan: PlanView = next(p for p in shown_plans if p.id == chosen_id)
        st.subheader(plain(plan.title))
        st.markdown(
            tr(
                "measures.plan_facts",
                entry=plain(entry_title(plan.intervention_code)),
                units=plain(", ".join(names.get(c, c) for c in plan.unit_codes)),
                owner=plain(plan.owner),
                start=day(plan.starts_on, lang()),
                end=day(plan.planned_end, lang()),
                status=tr(f"plans.status.{plan.status}"),
            )
        )
        if plan.ended_on:
            st.caption(tr("measures.ended_on", date=day(plan.ended_on, lang())))
        if plan.notes:
            st.caption(plain(plan.notes))
        if plan.is_overdue(today):
            st.warning(tr("measures.overdue_hint"))

        st.markdown(f"#### {tr('measures.evaluation')}")
        evaluation = evaluations.get(plan.id)
        if evaluation is None:
            st.info(tr("measures.nothing_published"))
        else:
            log_view(viewer, PAGE, unit=",".join(plan.unit_codes), period=evaluation.after_period)
            verdict_box(evaluation, bank)
            if evaluation.treated is not None:
                evaluation_table(evaluation, bank, names)
            with st.expander(tr("measures.rule_title")):
                st.markdown(tr("measures.rule_text", k=k))

        st.markdown(f"#### {tr('measures.actions')}")
        a1, a2 = st.columns(2)
        with a1:
            moves = TRANSITIONS[plan.status]
            if moves:
                on = st.date_input(
                    tr("measures.status_on"),
                    value=today,
                    key=f"mp_on_{plan.id}",
                    format="DD.MM.YYYY",
                )
                for target in moves:
                    if st.button(tr(f"measures.to_{target}"), key=f"mp_to_{target}_{plan.id}"):
                        try:
                            with ctx.write() as session:
                                change_status(session, viewer, plan.id, target, on=on)
                        except UserError as error:
                            show_error(error)
                        else:
                            st.rerun()
            standing = st.checkbox(
                tr("measures.standing"), value=plan.standing_practice, key=f"mp_standing_{plan.id}"
            )
            if standing != plan.standing_practice:
                with ctx.write() as session:
                    set_standing_practice(session, viewer, plan.id, standing)
                st.rerun()
        with a2:
            can_record = evaluation is not None and evaluation.verdict != TOO_LITTLE
            if plan.evaluated_on:
                st.caption(tr("measures.evaluated_on", date=day(plan.evaluated_on, lang())))
            if st.button(
                tr("measures.record_evaluation"),
                key=f"mp_record_{plan.id}",
                disabled=not can_record,
                help=tr("measures.record_help"),
            ):
                assert evaluation is not None
                try:
                    with ctx.write() as session:
                        record_evaluation(session, viewer, plan.id, evaluation, on=today)
                except UserError as error:
                    show_error(error)
                else:
                    st.rerun()
            effective = evaluation is not None and evaluation.verdict == EFFECTIVE
            if plan.good_example:
                st.success(tr("measures.is_good_example"))
                if st.button(tr("measures.withdraw_example"), key=f"mp_withdraw_{plan.id}"):
                    with ctx.write() as session:
                        set_good_example(session, viewer, plan.id, False, on=today)
                    st.rerun()
            elif st.button(
                tr("measures.publish_example"),
                key=f"mp_publish_{plan.id}",
                disabled=not effective,
                help=tr("measures.publish_help"),
            ):
                try:
                    with ctx.write() as session:
                        set_good_example(session, viewer, plan.id, True, evaluation, on=today)
                except UserError as error:
                    show_error(error)
                else:
                    st.rerun()
            if effective:
                assert evaluation is not None
                summary = build_summary(
                    plan, evaluation, by_code.get(plan.intervention_code), bank, lang(), names, k=k
                )
                slug = f"gutes-beispiel-{plan.id}"
                d1, d2 = st.columns(2)
                audited_download(
                    d1,
                    tr("measures.download_html"),
                    build=partial(html_bytes, summary),
                    file_name=f"{slug}.html",
                    mime="text/html",
                    key=f"mp_html_{plan.id}",
                    target=plan.title,
                )
                audited_download(
                    d2,
                    tr("measures.download_pdf"),
                    build=partial(to_pdf, summary),
                    file_name=f"{slug}.pdf",
                    mime="application/pdf",
                    key=f"mp_pdf_{plan.id}",
                    target=plan.title,
                )
                if any(depth.get(c, 0) > governance.public_depth for c in plan.unit_codes):
                    st.caption(tr("measures.example_depth_note", depth=governance.public_depth))

        with st.expander(tr("measures.edit_plan")), st.form(f"mp_edit_{plan.id}"):
            e_title = st.text_input(tr("measures.field_title"), value=plan.title)
            e_owner = st.text_input(tr("measures.field_owner"), value=plan.owner)
            e_units = st.multiselect(
                tr("measures.field_units"),
                [u.code for u in active_units],
                default=[c for c in plan.unit_codes if c in {u.code for u in active_units}],
                format_func=unit_label,
            )
            e1, e2 = st.columns(2)
            e_start = e1.date_input(
                tr("measures.field_start"), value=plan.starts_on, format="DD.MM.YYYY"
            )
            e_end = e2.date_input(
                tr("measures.field_end"), value=plan.planned_end, format="DD.MM.YYYY"
            )
            e_indicator = e1.selectbox(
                tr("measures.field_indicator"),
                indicator_codes,
                index=indicator_codes.index(plan.target_indicator)
                if plan.target_indicator in indicator_codes
                else 0,
                format_func=lambda c: titles[c],
            )
            e_change = e2.number_input(
                tr("measures.field_change"), value=float(plan.target_change), step=1.0
            )
            e_notes = st.text_area(tr("measures.field_notes"), value=plan.notes)
            if st.form_submit_button(tr("measures.save")):
                try:
                    with ctx.write() as session:
                        update_plan(
                            session,
                            viewer,
                            plan.id,
                            PlanInput(
                                intervention_code=plan.intervention_code,
                                title=e_title,
                                owner=e_owner,
                                units=tuple(e_units),
                                starts_on=e_start,
                                planned_end=e_end,
                                target_indicator=e_indicator,
                                target_change=e_change,
                                notes=e_notes,
                                standing_practice=plan.standing_practice,
                            ),
                            bank=bank,
                        )
                except UserError as error:
                    show_error(error)
                else:
                    st.rerun()

# ----------------------------------------------------------------------------- new plan
with tab_new:
    entry_codes = [e.code for e in entries]
    if st.session_state.get(ENTRY_KEY) not in entry_codes:
        st.session_state[ENTRY_KEY] = entry_codes[0]
    code = str(
        st.selectbox(
            tr("measures.field_entry"), entry_codes, format_func=entry_title, key=ENTRY_KEY
        )
    )
    entry: Intervention = by_code[code]
    st.caption(plain(entry.text("description", lang())))
    with st.form(f"mp_new_{code}", clear_on_submit=False):
        n_title = st.text_input(
            tr("measures.field_title"), value=entry.title(lang()), key=f"mp_n_title_{code}"
        )
        n_owner = st.text_input(
            tr("measures.field_owner"), help=tr("measures.owner_help"), key=f"mp_n_owner_{code}"
        )
        n_units = st.multiselect(
            tr("measures.field_units"),
            [u.code for u in active_units],
            default=[c for c in st.session_state.get(UNITS_KEY, []) if c in names],
            format_func=unit_label,
            key=f"mp_n_units_{code}",
        )
        n1, n2 = st.columns(2)
        n_start = n1.date_input(
            tr("measures.field_start"), value=today, format="DD.MM.YYYY", key=f"mp_n_start_{code}"
        )
        n_end = n2.date_input(
            tr("measures.field_end"),
            value=add_months(today, entry.typical_months),
            format="DD.MM.YYYY",
            key=f"mp_n_end_{code}",
        )
        target_choices = [c for c in indicator_codes]
        n_indicator = n1.selectbox(
            tr("measures.field_indicator"),
            target_choices,
            index=target_choices.index(entry.target_indicator)
            if entry.target_indicator in target_choices
            else 0,
            format_func=lambda c: titles[c],
        )
        n_change = n2.number_input(
            tr("measures.field_change"),
            value=float(entry.target_change),
            step=1.0,
            key=f"mp_n_change_{code}",
        )
        n_standing = st.checkbox(tr("measures.standing"))
        n_notes = st.text_area(tr("measures.field_notes"))
        if st.form_submit_button(tr("measures.create"), type="primary"):
            try:
                with ctx.write() as session:
                    created = create_plan(
                        session,
                        viewer,
                        PlanInput(
                            intervention_code=code,
                            title=n_title,
                            owner=n_owner,
                            units=tuple(n_units),
                            starts_on=n_start,
                            planned_end=n_end,
                            target_indicator=n_indicator,
                            target_change=n_change,
                            notes=n_notes,
                            standing_practice=n_standing,
                        ),
                        bank=bank,
                    )
            except UserError as error:
                show_error(error)
            else:
                flash(tr("measures.created", title=plain(created.title)))
                st.rerun()

# ----------------------------------------------------------------------------- catalogue
with tab_catalogue:
    st.caption(tr("measures.catalogue_caption"))
    for entry in entries:
        badge = "" if entry.source == "shipped" else f" · {tr(f'measures.source_{entry.source}')}"
        with st.expander(plain(entry.title(lang())) + badge):
            st.markdown(plain(entry.text("description", lang())))
            st.markdown(
                "\n".join(
                    [
                        f"- **{tr('measures.dimensions')}:** "
                        + ", ".join(titles.get(d, d) for d in entry.dimensions),
                        f"- **{tr('measures.workshop_idea')}:** "
                        + plain(entry.text("workshop_idea", lang())),
                        f"- **{tr('measures.duration')}:** "
                        + plain(entry.text("duration", lang())),
                        f"- **{tr('measures.effort')}:** "
                        + tr(f"interventions.effort.{entry.effort}")
                        + (
                            " – " + plain(entry.text("effort_detail", lang()))
                            if entry.text("effort_detail", lang())
                            else ""
                        ),
                        f"- **{tr('measures.evaluation_how')}:** "
                        + plain(entry.text("evaluation", lang())),
                        f"- **{tr('measures.rules')}:** "
                        + (
                            "; ".join(
                                tr(
                                    f"measures.rule_{r.kind}",
                                    dimension=titles.get(r.dimension, r.dimension),
                                    threshold=number(r.threshold, lang(), 0),
                                    quarters=r.quarters,
                                )
                                for r in entry.rules
                            )
                            or "–"
                        ),
                    ]
                )
            )

    st.subheader(tr("measures.own_title"))
    edit_choices = ["", *[e.code for e in entries]]
    edit_code = st.selectbox(
        tr("measures.own_choose"),
        edit_choices,
        format_func=lambda c: tr("measures.own_new") if not c else entry_title(c),
        key="mp_own_choice",
    )
    base: Intervention | None = by_code.get(edit_code) if edit_code else None

    def rule_default(kind: str, fallback: float) -> float:
        if base is None:
            return fallback
        for rule in base.rules:
            if rule.kind == kind:
                return float(rule.threshold)
        return 0.0

    with st.form(f"mp_own_{edit_code or 'new'}"):
        o_code = st.text_input(
            tr("measures.own_code"),
            value=base.code if base else "",
            disabled=base is not None,
            help=tr("measures.own_code_help"),
        )
        o1, o2 = st.columns(2)
        texts: dict[str, dict[str, str]] = {}
        for field, label, long in TEXT_FIELDS:
            widget_de = o1.text_area if long else o1.text_input
            widget_en = o2.text_area if long else o2.text_input
            texts[field] = {
                "de": widget_de(
                    tr(f"measures.own_{label}_de"),
                    value=base.text(field, "de") if base else "",
                ),
                "en": widget_en(
                    tr(f"measures.own_{label}_en"),
                    value=base.texts.get(field, {}).get("en", "") if base else "",
                ),
            }
        o_dims = st.multiselect(
            tr("measures.dimensions"),
            indicator_codes,
            default=list(base.dimensions) if base else [],
            format_func=lambda c: titles[c],
        )
        p1, p2, p3 = st.columns(3)
        o_months = p1.number_input(
            tr("measures.own_months"),
            min_value=1,
            max_value=60,
            value=base.typical_months if base else 6,
        )
        o_effort = p2.selectbox(
            tr("measures.effort"),
            list(EFFORTS),
            index=EFFORTS.index(base.effort) if base else 1,
            format_func=lambda e: tr(f"interventions.effort.{e}"),
        )
        o_change = p3.number_input(
            tr("measures.field_change"), value=float(base.target_change) if base else 10.0, step=1.0
        )
        st.caption(tr("measures.own_rules_caption"))
        r1, r2, r3 = st.columns(3)
        o_below = r1.number_input(
            tr("measures.own_below"), value=rule_default("below", 50.0), step=1.0
        )
        o_decline = r2.number_input(
            tr("measures.own_decline"), value=rule_default("decline", 6.0), step=1.0
        )
        o_behind = r3.number_input(
            tr("measures.own_behind"), value=rule_default("behind", 7.0), step=1.0
        )
        if st.form_submit_button(tr("measures.save"), type="primary"):
            own_target = base.target_indicator if base and base.target_indicator in o_dims else None
            rules: list[dict[str, Any]] = []
            for dim in o_dims:
                if o_below > 0:
                    rules.append({"dimension": dim, "below": o_below})
                if o_decline > 0:
                    rules.append({"dimension": dim, "decline": o_decline, "quarters": 2})
                if o_behind > 0:
                    rules.append({"dimension": dim, "behind": o_behind})
            data: dict[str, Any] = {
                **texts,
                "effort_detail": dict(base.texts.get("effort_detail", {})) if base else {},
                "dimensions": o_dims,
                "target_indicator": own_target or (o_dims[0] if o_dims else None),
                "target_change": o_change,
                "typical_months": int(o_months),
                "effort": o_effort,
                "when": rules,
            }
            try:
                with ctx.write() as session:
                    saved = save_entry(
                        session,
                        viewer,
                        base.code if base else o_code,
                        data,
                        bank=bank,
                        new=base is None,
                    )
            except UserError as error:
                show_error(error)
            else:
                flash(tr("measures.own_saved", title=plain(saved.title(lang()))))
                st.rerun()
