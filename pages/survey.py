"""Staff survey: anonymous, no login, German or English, one form, one submission a session."""

from __future__ import annotations

from datetime import date

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from bgm_dashboard.errors import UserError
from bgm_dashboard.formatting import period
from bgm_dashboard.governance.settings import current
from bgm_dashboard.survey.form import survey_form
from bgm_dashboard.survey.intake import MAX_COMMENT_LENGTH, submit_response
from bgm_dashboard.ui.context import app_context
from bgm_dashboard.ui.lang import lang, language_switch, tr
from bgm_dashboard.ui.survey_marker import answered_here, remember_answer

SUBMITTED = "survey_submitted_wave"

ctx = app_context()
language_switch(where="main")
st.title(tr("survey.title"))

with ctx.read() as session:
    form = survey_form(session, ctx.bank, date.today())
    rules = current(session, ctx.settings)

if form is None:
    st.info(tr("survey.none_open"))
    st.stop()

st.caption(tr("survey.privacy_sentence", k=rules.min_group_size))
st.caption(tr("survey.voluntary"))

if st.session_state.get(SUBMITTED) == form.wave_id:
    st.success(tr("survey.thanks"))
    st.info(tr("survey.already_submitted"))
    remember_answer(form.wave_id)  # the browser's marker: only the wave id
    st.stop()

# this browser answered the wave before (its marker cookie): no second form after a reload
if answered_here(form.wave_id):
    st.info(tr("survey.answered_in_this_browser"))
    st.stop()

token_default = str(st.query_params.get("code", ""))
with st.form("survey", clear_on_submit=False, border=False):
    st.subheader(tr("survey.about_you"))
    codes = [u.code for u in form.units]
    unit_labels = {u.code: u.label for u in form.units}
    department = st.selectbox(
        tr("survey.department"),
        options=codes,
        index=None,
        key="department",
        format_func=unit_labels.__getitem__,
        placeholder=tr("survey.department_placeholder"),
    )
    token = None
    if form.needs_token:
        token = st.text_input(
            tr("survey.token"), value=token_default, key="token", help=tr("survey.token_help")
        )
    answers: dict[str, object] = {}
    for scale in form.sections:
        st.subheader(scale.title[lang()])
        if scale.stem[lang()]:
            st.caption(scale.stem[lang()])
        answer_scale = scale.answer_scale
        assert answer_scale is not None
        values = list(range(answer_scale.min, answer_scale.max + 1))
        option_labels: dict[int, str] = {v: answer_scale.label(v, lang()) for v in values}
        if len(values) > 7:
            # a 0–10 scale: bare numbers in one even row (labelled ends wrap raggedly on a
            # phone); what the ends mean is said once above
            st.caption(
                tr(
                    "survey.scale_ends",
                    low=option_labels[values[0]],
                    high=option_labels[values[-1]],
                )
            )
            option_labels = {v: str(v) for v in values}
        numeric = len(values) > 7
        for item in scale.items:
            # numbers stay in one row on a phone too (ui/layout.py): the "numeric" container
            box = st.container(key=f"numeric_{item.code}") if numeric else st.container()
            answers[item.code] = box.radio(
                item.text[lang()],
                options=values,
                index=None,
                horizontal=True,
                key=f"item_{item.code}",
                format_func=option_labels.__getitem__,
            )
    st.subheader(tr("survey.comment_title"))
    comment = st.text_area(
        tr("survey.comment"),
        key="comment",
        max_chars=MAX_COMMENT_LENGTH,
        help=tr("survey.comment_help", kc=rules.comment_min_group_size),
    )
    sent = st.form_submit_button(tr("survey.submit"), type="primary", key="submit")

if sent:
    if st.session_state.get(SUBMITTED) == form.wave_id:
        st.error(tr("survey.already_submitted"))
        st.stop()
    if department is None:
        st.error(tr("survey.unknown_department"))
        st.stop()
    try:
        submit_response(
            ctx.read,
            ctx.write,
            ctx.bank,
            wave_id=form.wave_id,
            department_code=department,
            answers=answers,
            comment=comment,
            token=token,
        )
    except UserError as error:
        st.error(error.message(lang()))
        st.stop()
    except SQLAlchemyError:
        # the database failed (locked, unreachable, read-only): nothing was stored, the form
        # above keeps what was entered, and the person can send it again
        st.error(tr("survey.storage_failed"))
        st.stop()
    st.session_state[SUBMITTED] = form.wave_id
    st.query_params.clear()
    st.session_state.pop("token", None)
    st.rerun()

st.caption(tr("survey.wave_of", period=period(form.period, lang())))
