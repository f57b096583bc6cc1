"""Accounts, logins, passwords and bearer tokens."""
