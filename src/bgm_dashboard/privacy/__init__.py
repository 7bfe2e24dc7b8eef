"""Disclosure control: every figure that leaves the system goes through this package."""
