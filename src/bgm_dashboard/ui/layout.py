"""Page-wide rules Streamlit has no option for: the page's language on ``<html lang>`` (screen
readers pick their voice by it; Streamlit always writes "en"), answer options stacked on a
phone, and captions dark enough to read (WCAG AA contrast)."""

from __future__ import annotations

import base64
import hashlib

import streamlit as st

LANG_SCRIPT = (
    "(function(){var s=document.currentScript,p=s&&s.parentNode;if(!p)return;"
    'var e=p.querySelector("[data-bgm-lang]");if(!e)return;'
    'var l=e.getAttribute("data-bgm-lang")||"";'
    "if(/^(de|en)$/.test(l))document.documentElement.lang=l;})();"
)
"""Constant, like ui/cookies.py's script: its hash is in the CSP of docs/security.md."""
LANG_SCRIPT_HASH = (
    "sha256-" + base64.b64encode(hashlib.sha256(LANG_SCRIPT.encode()).digest()).decode()
)

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
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p {
  color: #4a4f5a !important; opacity: 1 !important;  /* Streamlit dims with both */
}
</style>"""


def page_style(lang: str) -> None:
    """Add the app's style rules and the page's language (once per run, from app.py)."""
    language = lang if lang in ("de", "en") else "de"
    st.html(
        f'{STYLE}<span hidden data-bgm-lang="{language}"></span><script>{LANG_SCRIPT}</script>',
        unsafe_allow_javascript=True,
    )
