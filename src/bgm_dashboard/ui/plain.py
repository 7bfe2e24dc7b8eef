"""User-supplied text (unit names, measure and crisis texts, catalogue entries HR wrote,
reasons, owners) shown as plain text wherever Streamlit would read Markdown or HTML: in
``st.markdown``, captions, headers, alerts, expander and widget labels. Every ASCII
punctuation character is escaped with a backslash (CommonMark allows that for all of them),
so no link, image, emphasis, HTML, LaTeX or Streamlit directive can arise; an invisible word
joiner after ``:``, ``.`` and ``@`` stops automatic links; line breaks are kept.
Tables (``st.dataframe``) and select boxes show text as it is and need nothing."""

from __future__ import annotations

import html
import re

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_LINK_MARKS = re.compile(r"(\\[:.@])")
WORD_JOINER = "\u2060"
"""Invisible, zero width: put after ``:``, ``.`` and ``@`` it stops Streamlit from turning
``http://…``, ``www.…`` or an e-mail address into a link (which it does even to escaped
text)."""
_LINE_BREAK = re.compile(r"\r\n?|\n")


def plain(text: object) -> str:
    """``text`` escaped for a Markdown sink: it renders exactly as typed."""
    value = "" if text is None else str(text)
    escaped = _LINK_MARKS.sub(r"\1" + WORD_JOINER, _PUNCTUATION.sub(r"\\\1", value))
    return _LINE_BREAK.sub("  \n", escaped)


def chart_text(text: object) -> str:
    """``text`` for a Plotly title, label or hover text: Plotly reads a few HTML tags
    (links among them), so ``<``, ``>`` and ``&`` are written as entities."""
    return html.escape("" if text is None else str(text), quote=False)
