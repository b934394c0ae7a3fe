"""Every change of the courtyards goes through these functions (one module per part)."""
