"""Loads the demo data of every app; running it again changes nothing."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

# Each app adds its own seeder here, in the order they depend on each other.
DEMO_SEEDERS = [
    "alliance.demo.seed",
    "products.demo.seed",
    "livestreams.demo.seed",
    "courtyards.demo.seed",
    "alliance.demo_federation.seed",
    "livestreams.demo_aftersales.seed",
]


class Command(BaseCommand):
    help = "Load the story's demo data (federations, villages, members, ...). Idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        for path in DEMO_SEEDERS:
            counts = import_string(path)()
            summary = ", ".join(f"{name} {count}" for name, count in counts.items())
            self.stdout.write(f"{path}: {summary}")
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
