"""User text shown as text: escaped wherever Streamlit would read it as Markdown."""

from __future__ import annotations

import re
import string

_MARKDOWN = re.compile("([" + re.escape(string.punctuation) + "])")
# GitHub-flavoured Markdown turns bare addresses into links even when their punctuation is escaped
# ("https://…", "www.…", "name@host.tld"): a zero-width space breaks the pattern and shows nothing.
_AUTOLINK = re.compile(r"(?i)(://|@|(?<=www)\.)")
ZERO_WIDTH_SPACE = "\u200b"


def md(text: object) -> str:
    """`text` with every ASCII punctuation character backslash-escaped (CommonMark allows escaping any of them),
    so "[x](http://…)", "![img](…)" and HTML stay literal in st.markdown, st.info, captions, metric and widget
    labels; bare "http://", "www." and e-mail addresses get an invisible zero-width space so that they are not
    turned into links either."""
    return _MARKDOWN.sub(r"\\\1", _AUTOLINK.sub(ZERO_WIDTH_SPACE + r"\1", str(text)))
