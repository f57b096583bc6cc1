"""The orders read model: the storefront's orders as its events describe them, plus the refunded/reserved amounts."""
