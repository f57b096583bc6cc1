"""Password reset ("forgot password"): a one-time code sent to the login's e-mail or phone, then a new password."""
