"""Simulations that measure the false-alarm rate and the power of every verdict (bgm validate)."""
