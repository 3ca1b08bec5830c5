"""Development tools that are not part of the product (installed only by dev, test and bench
settings)."""
