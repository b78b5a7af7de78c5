"""Pilot ROI core: pure Python, no Streamlit. Pages call into these modules."""

__version__ = "0.1.0"
