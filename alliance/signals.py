"""Keeping the permission groups in step with the models after each migration."""

from typing import Any

from django.apps import AppConfig, apps

from alliance import services


def sync_groups_after_migrate(app_config: AppConfig, using: str = "default", **kwargs: Any) -> None:
    # post_migrate fires once per app; permissions of every app exist only after the last one.
    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if app_config is with_models[-1]:
        services.sync_role_groups(using=using)
