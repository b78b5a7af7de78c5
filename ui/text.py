"""User text shown as text: escaped wherever Streamlit would read it as Markdown."""

from __future__ import annotations

import re
import string

_MARKDOWN = re.compile("([" + re.escape(string.punctuation) + "])")


def md(text: object) -> str:
    """`text` with every ASCII punctuation character backslash-escaped (CommonMark allows escaping any of them),
    so "[x](http://…)", "![img](…)", HTML and bare "http://" or "www." autolinks stay literal in st.markdown,
    st.info, captions, metric and widget labels."""
    return _MARKDOWN.sub(r"\\\1", str(text))
