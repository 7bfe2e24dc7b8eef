"""Accounts, roles, guards and the audit log."""
