"""HR and the staff council: the pulse rhythm — schedule, invitations and reminders by mail,
address list, mail log, code letters for staff without a PC."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session

from bgm_dashboard.formatting import day, number, period
from bgm_dashboard.governance.settings import current
from bgm_dashboard.i18n import LANGUAGES
from bgm_dashboard.org.service import load_tree
from bgm_dashboard.periods import month_of
from bgm_dashboard.pulse.addresses import erase_addresses_as, import_addresses
from bgm_dashboard.pulse.letters import LAYOUTS, code_letters
from bgm_dashboard.pulse.mailconfig import load_mail_settings, public_url
from bgm_dashboard.pulse.runner import report_lines, run_schedule
from bgm_dashboard.pulse.schedule import (
    LAST_SAFE_DAY,
    RHYTHMS,
    Plan,
    save_plan,
    set_active,
    upcoming,
)
from bgm_dashboard.pulse.status import pulse_status
from bgm_dashboard.pulse.templates import (
    KINDS,
    PLACEHOLDERS,
    all_templates,
    reset_template,
    save_template,
)
from bgm_dashboard.settings import ConfigError
from bgm_dashboard.survey.management import wave_rows
from bgm_dashboard.ui.actions import act, show_flash
from bgm_dashboard.ui.confirm import confirm_button
from bgm_dashboard.ui.context import app_context
from bgm_dashboard.ui.guard import require_roles
from bgm_dashboard.ui.lang import lang, tr
from bgm_dashboard.ui.month_picker import month_picker

viewer = require_roles("hr", "council")
ctx = app_context()
is_hr = viewer.has("hr")
today = date.today()
st.title(tr("pulse.title"))
st.caption(tr("pulse.caption"))
show_flash()

with ctx.read() as session:
    status = pulse_status(session, viewer)
    templates = all_templates(session)
    tree = load_tree(session, include_inactive=False)
    open_waves = [r for r in wave_rows(session, viewer) if r.status == "open"]
    k = current(session, ctx.settings).min_group_size
try:
    mail = load_mail_settings()
    mail_problem = ""
except ConfigError as exc:
    mail, mail_problem = None, str(exc)
plan = status.plan
unit_names = {u.code: u.name for u in tree.units}

# --- state at a glance ------------------------------------------------------------------------
if plan is None:
    st.info(tr("pulse.no_schedule_yet"))
else:
    st.markdown(
        tr(
            "pulse.summary",
            rhythm=tr(f"pulse.rhythm_{plan.rhythm}"),
            day=plan.open_day,
            days=plan.duration_days,
            reminders=", ".join(str(d) for d in plan.reminder_days) or "–",
            access=tr(f"waves.access_{plan.access}"),
            units=", ".join(unit_names.get(c, c) for c in plan.units) or tr("pulse.all_units"),
        )
    )
    if not plan.active:
        st.warning(tr("pulse.paused"))
    st.caption(tr("pulse.last_run", day=day(status.last_run, lang()) if status.last_run else "–"))
    if status.stale(today):
        st.warning(tr("pulse.stale"))
    st.dataframe(
        pd.DataFrame(
            [
                {
                    tr("pulse.col_month"): period(o.period, lang()),
                    tr("pulse.col_opens"): day(o.opens_on, lang()),
                    tr("pulse.col_reminders"): ", ".join(day(d, lang()) for d in o.reminders)
                    or "–",
                    tr("pulse.col_closes"): day(o.closes_on, lang()),
                }
                for o in upcoming(plan, today, 4)
            ]
        ),
        hide_index=True,
        width="stretch",
    )
if mail is None:
    st.warning(mail_problem or tr("pulse.no_mail_server"))
else:
    st.caption(tr("pulse.mail_server", host=mail.host, port=mail.port, security=mail.security))

# --- the rhythm -------------------------------------------------------------------------------
if is_hr:
    st.subheader(tr("pulse.rhythm_title"))
    with st.form("pulse_plan"):
        rhythm = st.radio(
            tr("pulse.rhythm"),
            list(RHYTHMS),
            index=list(RHYTHMS).index(plan.rhythm) if plan else 0,
            format_func=lambda r: tr(f"pulse.rhythm_{r}"),
            horizontal=True,
            key="plan_rhythm",
        )
        first = month_picker(
            tr("pulse.first_month"),
            key="plan_first",
            default=plan.first_month
            if plan and plan.first_month >= month_of(today)
            else month_of(today),
            lang=lang(),
            years=range(today.year, today.year + 3),
        )
        c1, c2 = st.columns(2)
        open_day = c1.number_input(
            tr("pulse.open_day"), 1, LAST_SAFE_DAY - 1, plan.open_day if plan else 4, key="plan_day"
        )
        duration = c2.number_input(
            tr("pulse.duration"),
            2,
            LAST_SAFE_DAY,
            plan.duration_days if plan else 14,
            key="plan_duration",
            help=tr("pulse.duration_help", last=LAST_SAFE_DAY),
        )
        reminders = st.multiselect(
            tr("pulse.reminder_days"),
            list(range(1, LAST_SAFE_DAY)),
            default=list(plan.reminder_days) if plan else [7],
            max_selections=2,
            key="plan_reminders",
            help=tr("pulse.reminder_help"),
            placeholder=tr("pulse.no_reminder"),
        )
        indicators = st.multiselect(
            tr("pulse.indicators"),
            list(ctx.bank.indicator_codes),
            default=list(plan.indicators) if plan else list(ctx.bank.indicator_codes),
            format_func=lambda c: ctx.bank.scale(c).title[lang()],
            key="plan_indicators",
        )
        units = st.multiselect(
            tr("pulse.units"),
            [u.code for u in tree.units],
            default=[c for c in (plan.units if plan else ()) if c in unit_names],
            format_func=lambda c: unit_names[c],
            key="plan_units",
            placeholder=tr("pulse.all_units"),
        )
        access = st.radio(
            tr("waves.access"),
            ["tokens", "link"],
            index=0 if plan is None or plan.access == "tokens" else 1,
            format_func=lambda a: tr(f"waves.access_{a}"),
            horizontal=True,
            key="plan_access",
            help=tr("pulse.access_help"),
        )
        if st.form_submit_button(tr("pulse.save"), type="primary", key="plan_save"):
            if first is None:
                st.error(tr("waves.month_missing"))
            else:
                chosen = Plan(
                    rhythm,
                    first,
                    int(open_day),
                    int(duration),
                    tuple(int(d) for d in reminders),
                    tuple(indicators),
                    tuple(units),
                    access,
                    True,
                )
                act(
                    lambda s: save_plan(s, viewer, chosen, bank=ctx.bank, today=today),
                    "pulse.saved",
                )
    b1, b2 = st.columns(2)
    if plan is not None:
        if plan.active:
            confirm_button(
                tr("pulse.pause"),
                key="plan_pause",
                title=tr("confirm.pause_title"),
                consequence=tr("confirm.pause_consequence"),
                confirm_label=tr("confirm.pause_confirm"),
                action=lambda s: set_active(s, viewer, False),
                done=lambda _: tr("pulse.paused_done"),
                container=b1,
            )
        elif b1.button(tr("pulse.resume"), key="plan_resume"):
            act(lambda s: set_active(s, viewer, True), "pulse.resumed")
    if b2.button(tr("pulse.run_now"), key="plan_run", help=tr("pulse.run_now_help")):
        st.session_state.pop("flash_message", None)
        report = run_schedule(ctx, today=today, mail=mail)
        st.session_state["flash_message"] = " · ".join(report_lines(report, lang()))
        st.rerun()

# --- addresses and mail texts -----------------------------------------------------------------
st.subheader(tr("pulse.mail_title"))
st.markdown(tr("pulse.addresses_state", count=number(status.addresses, lang(), 0)))
st.caption(tr("pulse.addresses_rule"))
if is_hr:
    upload = st.file_uploader(tr("pulse.addresses_upload"), type=["csv"], key="addr_file")
    a1, a2 = st.columns(2)
    if upload is not None and a1.button(tr("pulse.addresses_import"), key="addr_import"):
        raw = upload.getvalue()
        act(
            lambda s: import_addresses(s, viewer, raw),
            lambda n: tr("pulse.addresses_imported", count=n),
        )
    confirm_button(
        tr("pulse.addresses_erase"),
        key="addr_erase",
        title=tr("confirm.erase_title"),
        consequence=tr("confirm.erase_consequence", count=status.addresses),
        confirm_label=tr("confirm.erase_confirm"),
        action=lambda s: erase_addresses_as(s, viewer),
        done=lambda n: tr("pulse.addresses_erased", count=n),
        container=a2,
        disabled=status.addresses == 0,
    )

with st.expander(tr("pulse.templates_title"), expanded=False):
    t1, t2 = st.columns(2)
    kind = t1.selectbox(
        tr("pulse.template_kind"),
        list(KINDS),
        format_func=lambda x: tr(f"pulse.kind_{x}"),
        key="tpl_kind",
    )
    language = t2.selectbox(
        tr("pulse.template_language"),
        list(LANGUAGES),
        format_func=lambda x: tr(f"pulse.lang_{x}"),
        key="tpl_lang",
    )
    current_tpl = templates[(kind, language)]
    st.caption(tr("pulse.template_help", names=", ".join("`{" + p + "}`" for p in PLACEHOLDERS)))
    if is_hr:
        with st.form(f"tpl_{kind}_{language}"):
            subject = st.text_input(
                tr("pulse.template_subject_label"), current_tpl.subject, max_chars=200
            )
            body = st.text_area(tr("pulse.template_body"), current_tpl.body, height=260)
            if st.form_submit_button(tr("pulse.template_save")):
                act(
                    lambda s: save_template(s, viewer, kind, language, subject, body),
                    "pulse.template_saved",
                )
        if current_tpl.edited and st.button(tr("pulse.template_reset"), key="tpl_reset"):
            act(lambda s: reset_template(s, viewer, kind, language), "pulse.template_was_reset")
    else:
        st.text(f"{current_tpl.subject}\n\n{current_tpl.body}")
    st.caption(tr("pulse.template_fixed"))

if status.rounds:
    st.markdown(f"**{tr('pulse.log_title')}**")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    tr("pulse.col_month"): period(r.period, lang()),
                    tr("pulse.col_mail"): tr(f"pulse.kind_{r.kind}")
                    + (f" {r.round}" if r.kind == "reminder" else ""),
                    tr("pulse.col_day"): day(r.sent_on, lang()),
                    tr("pulse.col_status"): tr(f"pulse.status_{r.status}"),
                    tr("pulse.col_sent"): r.sent,
                    tr("pulse.col_failed"): r.failed,
                }
                for r in status.rounds
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption(tr("pulse.log_note"))

# --- code letters -----------------------------------------------------------------------------
if is_hr:
    st.subheader(tr("pulse.letters_title"))
    st.caption(tr("pulse.letters_caption"))
    if not open_waves:
        st.info(tr("pulse.letters_no_wave"))
    else:
        by_period = {r.period: r for r in open_waves}
        l1, l2, l3 = st.columns(3)
        month = l1.selectbox(
            tr("waves.col_period"),
            list(by_period),
            format_func=lambda p: period(p, lang()),
            key="letters_wave",
        )
        count = l2.number_input(tr("pulse.letters_count"), 1, 2000, 20, key="letters_count")
        layout = l3.radio(
            tr("pulse.letters_layout"),
            list(LAYOUTS),
            format_func=lambda x: tr(f"pulse.layout_{x}"),
            key="letters_layout",
        )
        url = public_url() if not mail_problem else ""

        def letters(session: Session) -> int:
            batch = code_letters(
                session, viewer, month, int(count), public_url=url, min_group_size=k, layout=layout
            )
            st.session_state["code_letters"] = (month, batch.pdf)
            return len(batch.codes)

        if by_period[month].access == "link":
            confirm_button(
                tr("pulse.letters_button"),
                key="letters_make",
                title=tr("confirm.switch_title"),
                consequence=tr("confirm.switch_consequence", period=period(month, lang())),
                confirm_label=tr("confirm.switch_confirm"),
                action=letters,
                done=lambda n: tr("pulse.letters_done", count=n),
            )
        elif st.button(tr("pulse.letters_button"), key="letters_make"):
            act(letters, lambda n: tr("pulse.letters_done", count=n))
        made = st.session_state.get("code_letters")
        if made and made[0] == month:
            st.info(tr("pulse.letters_once"))
            st.download_button(
                tr("pulse.letters_download"),
                data=made[1],
                file_name=f"codebriefe-{month}.pdf",
                mime="application/pdf",
                key="letters_download",
                on_click="ignore",
            )
