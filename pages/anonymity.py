"""For staff: how anonymity is protected, in plain words, with the settings in force."""

from __future__ import annotations

import streamlit as st

from bgm_dashboard.formatting import day, period
from bgm_dashboard.governance.settings import current
from bgm_dashboard.privacy.gate import latest_publications
from bgm_dashboard.ui.context import app_context
from bgm_dashboard.ui.lang import lang, language_switch, tr

ctx = app_context()
language_switch(where="main")
with ctx.read() as session:
    rules = current(session)
    publications = latest_publications(session)

st.title(tr("anonymity.title"))
st.write(tr("anonymity.intro"))

left, mid, right = st.columns(3)
left.metric(tr("anonymity.k_label"), rules.min_group_size)
mid.metric(tr("anonymity.k_comments_label"), rules.comment_min_group_size)
right.metric(tr("anonymity.difference_label"), rules.difference_min)
st.caption(tr("anonymity.settings_caption"))

for section in (
    "stored",
    "groups",
    "merged",
    "subtraction",
    "time",
    "access",
    "tokens",
    "comments",
    "demographics",
    "disk",
    "who",
    "council",
):
    limits = {
        "k": rules.min_group_size,
        "kc": rules.comment_min_group_size,
        "d": rules.difference_min,
    }
    st.subheader(tr(f"anonymity.{section}_title", **limits))
    if section == "access":
        # how strong "one answer per person" is depends on the council's decision
        access = "link" if rules.open_link_allowed else "codes"
        st.write(tr(f"anonymity.access_text_{access}", **limits))
        continue
    st.write(tr(f"anonymity.{section}_text", **limits))

# your rights (issue 15): what is stored, for how long (from the settings in force), whom to ask
st.subheader(tr("rights.title"))
months = {"raw": rules.raw_retention_months, "audit": rules.audit_retention_months}
for part in ("stored", "kept", "rights", "ask"):
    st.write(tr(f"rights.{part}", **months))

if publications:
    last = publications[-1]
    st.caption(
        tr(
            "anonymity.last_publication",
            quarter=period(last.quarter, lang()),
            date=day(last.published_at.date(), lang()),
            k=last.min_group_size,
        )
    )
