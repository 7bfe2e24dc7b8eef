"""Scale benchmark: a synthetic administration of 20,000 staff and its measured figures."""
