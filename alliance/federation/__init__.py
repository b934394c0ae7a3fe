"""The federation's own work: the five-beauties map, the livestream backdrop, training and
contests, and the sister-county campaigns (services and selectors, one module per part)."""
