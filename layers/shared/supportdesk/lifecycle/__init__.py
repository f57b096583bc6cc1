"""Scheduled lifecycle of tickets and accounts: survey, auto-close, SLA escalation, retention (see docs/operations.md)."""
