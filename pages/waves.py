"""HR: survey waves — open, close (which publishes due quarters), participation tokens."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session

from bgm_dashboard.db.compaction import compaction_pending
from bgm_dashboard.formatting import day, number, period
from bgm_dashboard.governance.settings import current
from bgm_dashboard.periods import month_of
from bgm_dashboard.privacy.overfull import held_text
from bgm_dashboard.privacy.publication import held_quarters
from bgm_dashboard.survey.livecounts import band_text
from bgm_dashboard.survey.management import (
    close_wave_as,
    issue_tokens_as,
    open_wave_as,
    wave_rows,
    withdraw_tokens_as,
)
from bgm_dashboard.ui.actions import act, show_flash
from bgm_dashboard.ui.confirm import confirm_button
from bgm_dashboard.ui.context import app_context
from bgm_dashboard.ui.guard import require_roles
from bgm_dashboard.ui.lang import lang, tr
from bgm_dashboard.ui.month_picker import month_picker
from bgm_dashboard.ui.plain import plain

viewer = require_roles("hr", "council")
ctx = app_context()
st.title(tr("waves.title"))
st.caption(tr("waves.caption"))
show_flash()

with ctx.write() as session:  # a write: keeps the day's snapshot of a running wave's counts
    rows = wave_rows(session, viewer)
    rules = current(session, ctx.settings)
    link_allowed = rules.open_link_allowed
    held = held_quarters(session, date.today())
    not_compacted = compaction_pending(session)
if not_compacted:
    # the app's database role could not rebuild the files after a close (docs/operations.md)
    st.warning(tr("waves.compaction_pending"), icon="⚠️")
for quarter, units in held.items():
    # more answers than staff: the quarter is not published until HR and the council act
    st.warning(plain(held_text(quarter, units, lang())), icon="⚠️")
table = pd.DataFrame(
    [
        {
            tr("waves.col_period"): period(r.period, lang()),
            tr("waves.col_status"): tr(f"waves.status_{r.status}"),
            tr("waves.col_access"): tr(f"waves.access_{r.access}"),
            tr("waves.col_closes"): day(r.closes_on, lang()),
            tr("waves.col_tokens"): band_text(r.codes_used, rules.min_group_size, lang())
            + f" / {number(r.tokens_issued, lang(), 0)}"
            if r.tokens_issued
            else "–",
            tr("waves.col_responses"): band_text(r.responses, rules.min_group_size, lang()),
        }
        for r in rows
    ]
)
st.dataframe(table, hide_index=True, width="stretch")
st.caption(tr("waves.counts_caption", k=rules.min_group_size))

if not viewer.has("hr"):
    st.stop()

open_rows = {r.period: r for r in rows if r.status == "open"}
st.subheader(tr("waves.open_title"))
with st.form("open_wave"):
    today = date.today()
    month = month_picker(
        tr("waves.month_pick"),
        key="wave_month",
        default=month_of(today),
        lang=lang(),
        years=range(today.year - 1, today.year + 3),
    )
    title = st.text_input(tr("waves.wave_title"), key="wave_title")
    # participation codes first (the default); an open link only with the council's approval
    access = st.radio(
        tr("waves.access"),
        ["tokens", "link"] if link_allowed else ["tokens"],
        horizontal=True,
        key="wave_access",
        format_func=lambda a: tr(f"waves.access_{a}"),
    )
    st.caption(tr("waves.link_weaker" if link_allowed else "waves.link_not_allowed"))
    closes = st.date_input(
        tr("waves.closes_on"), value=None, key="wave_closes", format="DD.MM.YYYY"
    )
    if st.form_submit_button(tr("waves.open_button"), key="wave_open"):
        if month is None:
            st.error(tr("waves.month_missing"))
        else:
            picked: str = month
            act(
                lambda s: open_wave_as(
                    s, viewer, ctx.bank, picked, title=title, access=access, closes_on=closes
                ),
                lambda _: tr("cli.wave_opened", period=period(picked, lang())),
            )

if open_rows:
    st.subheader(tr("waves.manage_title"))
    chosen = st.selectbox(
        tr("waves.col_period"),
        list(open_rows),
        key="wave_chosen",
        format_func=lambda p: period(p, lang()),
    )
    row = open_rows[chosen]
    shown = period(chosen, lang())
    left, right = st.columns(2)
    count = left.number_input(
        tr("waves.token_count"), min_value=1, max_value=100_000, value=50, key="token_count"
    )

    def issue(session: Session) -> list[str]:
        tokens: list[str] = issue_tokens_as(session, viewer, chosen, int(count))
        st.session_state["issued_tokens"] = (chosen, tokens)
        return tokens

    if row.access == "link":
        # switching an open-link wave to codes is irreversible: ask first
        confirm_button(
            tr("waves.tokens_button"),
            key="tokens_issue",
            title=tr("confirm.switch_title"),
            consequence=tr("confirm.switch_consequence", period=shown),
            confirm_label=tr("confirm.switch_confirm"),
            action=issue,
            done=lambda tokens: tr("waves.tokens_done", count=len(tokens)),
            container=left,
        )
    elif left.button(tr("waves.tokens_button"), key="tokens_issue"):
        act(issue, lambda tokens: tr("waves.tokens_done", count=len(tokens)))
    issued = st.session_state.get("issued_tokens")
    if issued and issued[0] == chosen:
        st.info(tr("waves.tokens_once"))
        st.download_button(
            tr("waves.tokens_download"),
            data="token\n" + "\n".join(issued[1]),
            file_name=f"teilnahmecodes-{chosen}.csv",
            mime="text/csv",
            key="tokens_download",
            on_click="ignore",
        )
    # no exact number of unused codes: issued minus unused would be a live count below k
    confirm_button(
        tr("waves.withdraw_button"),
        key="tokens_withdraw",
        title=tr("confirm.withdraw_title"),
        consequence=tr("waves.withdraw_consequence_banded", period=shown),
        confirm_label=tr("confirm.withdraw_confirm"),
        action=lambda s: withdraw_tokens_as(s, viewer, chosen),
        done=lambda _: tr("waves.withdrawn_banded"),
        container=left,
        disabled=row.tokens_issued == 0,
    )

    def close(session: Session) -> list[str]:
        st.session_state.pop("issued_tokens", None)
        published: list[str] = close_wave_as(session, viewer, ctx.bank, chosen)
        return published

    confirm_button(
        tr("waves.close_button"),
        key="wave_close",
        title=tr("confirm.close_title"),
        consequence=tr("confirm.close_consequence", period=shown),
        confirm_label=tr("confirm.close_confirm"),
        action=close,
        done=lambda published: " ".join(
            [tr("cli.wave_closed", period=shown)]
            + ([tr("cli.published", quarters=", ".join(published))] if published else [])
        ),
        container=right,
    )
