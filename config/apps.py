from django.contrib.admin.apps import AdminConfig


class AllianceAdminConfig(AdminConfig):
    """The admin app, with our site (config.admin.AllianceAdminSite) as admin.site."""

    default_site = "config.admin.AllianceAdminSite"
