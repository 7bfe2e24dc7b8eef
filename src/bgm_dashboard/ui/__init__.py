"""Shared Streamlit pieces: context, language, session, guards, cached figures, charts."""
