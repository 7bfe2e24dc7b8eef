"""The item bank (a data file) and the scoring of responses."""
