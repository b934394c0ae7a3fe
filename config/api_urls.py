"""The public API for the mini-program, mounted at /api/ by config/urls.py."""

urlpatterns: list = []
