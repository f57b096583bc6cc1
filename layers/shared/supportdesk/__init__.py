"""Shared code of the support desk: settings, observability, errors, data access, identity, notifications."""
