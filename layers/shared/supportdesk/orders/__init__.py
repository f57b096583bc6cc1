"""The orders read model: the storefront's orders as its events describe them (with the refunded and reserved
amounts the support desk moves), and the lookups other domains need (tickets: is this order the caller's)."""
