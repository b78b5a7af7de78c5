"""User text shown as text: escaped wherever Streamlit would read it as Markdown."""

from __future__ import annotations

import re

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")


def md(text: object) -> str:
    """`text` with every Markdown-significant character backslash-escaped, so "[x](http://…)" stays literal
    in st.markdown, st.info, captions and labels."""
    return _MARKDOWN.sub(r"\\\1", str(text))
