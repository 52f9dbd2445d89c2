"""Opioid discharge-letter audit: ingest, standards, scoring, store, reports and the Streamlit app."""

__version__ = "0.1.0"
