"""The permission groups and what each may do in the admin site.

Groups are kept in step with this module after every migration (see signals.py), so a new
model's permissions reach federation staff without a manual step.
"""

FEDERATION_STAFF_GROUP = "federation-staff"
SELLERS_GROUP = "sellers"

# Apps whose models federation staff manage in full from the admin site.
STAFF_MANAGED_APPS = ("alliance", "products", "livestreams", "courtyards", "django_celery_beat")
# Models inside those apps staff may only look at (the audit trail is written by services).
STAFF_READ_ONLY_MODELS = {
    ("alliance", "memberevent"),
    ("alliance", "user"),
    ("alliance", "exportlog"),
}
