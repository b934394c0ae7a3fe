"""URLs of the catalogue's part of the seller face (mounted under /seller/ by config/urls.py)."""

seller_patterns: list = []
