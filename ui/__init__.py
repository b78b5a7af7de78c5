"""Streamlit helpers the pages share (the only place besides pages/ and app.py that imports streamlit)."""
