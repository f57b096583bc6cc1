"""Orders as the support desk reads them (the storefront owns them): the lookups other domains need."""
