"""Scheduled lifecycle of tickets and accounts: survey, auto-close, SLA escalation, retention, account deletion
(docs/operations.md)."""
