"""Support tickets: open, talk, hand off to the human queue, claim, reply, resolve, rate; wait estimates."""
