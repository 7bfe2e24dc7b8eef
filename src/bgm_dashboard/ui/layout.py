"""Page-wide style rules Streamlit has no option for: answer options stacked on a phone, and
captions dark enough to read (WCAG AA contrast)."""

from __future__ import annotations

import streamlit as st

STYLE = """<style>
/* on a phone, answer options one per line, each a full-width touch target: a row of five
   labelled options wraps raggedly into three lines */
@media (max-width: 640px) {
  [data-testid="stRadio"] [role="radiogroup"] { flex-direction: column; align-items: stretch; }
  [data-testid="stRadio"] [role="radiogroup"] > label { min-height: 2.5rem; margin: 0; }
  /* a 0–10 scale keeps its numbers side by side, in two even rows at most */
  [class*="st-key-numeric_"] [role="radiogroup"] { flex-direction: row; flex-wrap: wrap; }
  [class*="st-key-numeric_"] [role="radiogroup"] > label { min-width: 3.2rem; }
}
/* captions at 4.5:1 or more on white (Streamlit's grey is 3.8:1) */
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p { color: #4a4f5a; }
</style>"""


def page_style() -> None:
    """Add the app's style rules to the page (once per run, from app.py)."""
    st.html(STYLE)
