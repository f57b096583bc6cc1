"""Messages to people: Jinja2 templates rendered here, then sent by e-mail (SES) or SMS (SNS)."""
