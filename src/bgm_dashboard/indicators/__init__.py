"""Indicator engine: sufficient statistics per unit and month, and the statistics built on them."""
