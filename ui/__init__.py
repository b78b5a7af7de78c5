"""Streamlit helpers the pages share (the only place besides views/ and app.py that imports streamlit)."""
