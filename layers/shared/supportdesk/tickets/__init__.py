"""Support tickets: the human queue, business hours, wait estimates and masking of what customers write."""
