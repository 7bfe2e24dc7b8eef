"""Cookies in the browser. Streamlit reads them (``st.context.cookies``: what the browser sent
when the page was loaded) but cannot set one, so one constant inline script does: the name,
value and lifetime travel in ``data-*`` attributes of an element beside it, so the script
never changes and the proxy's Content-Security-Policy can allow exactly it by its hash
(``SCRIPT_HASH``, listed in docs/security.md). Every cookie is ``Path=/; SameSite=Strict``,
and ``Secure`` whenever the page is served over https."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from html import escape

import streamlit as st

COOKIE_SCRIPT = (
    "(function(){var s=document.currentScript,p=s&&s.parentNode;if(!p)return;"
    'p.querySelectorAll("[data-bgm-cookie]").forEach(function(e){'
    'var n=e.getAttribute("data-bgm-cookie")||"";if(!/^[a-z_]{1,40}$/.test(n))return;'
    'var a=parseInt(e.getAttribute("data-max-age")||"0",10);if(!(a>0))a=0;'
    'var v=a>0?encodeURIComponent(e.getAttribute("data-value")||""):"";'
    'document.cookie=n+"="+v+"; Max-Age="+a+"; Path=/; SameSite=Strict"'
    '+(location.protocol==="https:"?"; Secure":"");});})();'
)
"""Never build this from data: its hash is in the CSP, so any change breaks the policy."""
SCRIPT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(COOKIE_SCRIPT.encode()).digest()).decode()


def browser_cookies() -> Mapping[str, str]:
    """The cookies the browser sent when this browser session began (a cookie set later in
    the same session shows only after a reload). Tests replace this: AppTest sends none."""
    return st.context.cookies


def read_cookie(name: str) -> str | None:
    value = browser_cookies().get(name)
    return value if isinstance(value, str) and value else None


def _write_cookie(name: str, value: str, max_age: int) -> None:
    st.html(
        f'<span hidden data-bgm-cookie="{escape(name)}" data-value="{escape(value)}" '
        f'data-max-age="{int(max_age)}"></span><script>{COOKIE_SCRIPT}</script>',
        unsafe_allow_javascript=True,
    )


def set_cookie(name: str, value: str, max_age: int) -> None:
    """Have the browser keep ``name=value`` for ``max_age`` seconds (URL-encoded)."""
    _write_cookie(name, value, max_age)


def delete_cookie(name: str) -> None:
    """Have the browser forget the cookie ``name``."""
    _write_cookie(name, "", 0)
