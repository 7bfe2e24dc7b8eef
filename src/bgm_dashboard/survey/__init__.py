"""Submitting answers: validation, participation tokens and anonymity at write time."""
