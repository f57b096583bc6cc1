"""What the inbound e-mail channel remembers (quarantined mail, the mail we sent per ticket, automatic answers) and
the staff's handling of quarantined mail. Reading mail itself is supportdesk.mail (plain Python)."""
