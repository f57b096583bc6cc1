"""Refunds and order-amount disputes: requested by customers, assessed by policy, reviewed by staff on a Step
Functions workflow (statemachines/refund_review.asl.json), paid out through a payment provider."""
