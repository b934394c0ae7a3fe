"""`manage.py import_orders FILE [FILE ...] [--platform …] [--dry-run]`: a contract for scripts.

The last line printed is one JSON object with at least platform, rows, orders_created,
orders_updated, lines_created, lines_updated, unmatched_lines, skipped_rows and errors (a list
of {row, column, message}). Exit status: 0 imported (even with skipped rows), 1 refused as a
whole, 2 usage error.
"""

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from livestreams.services.imports import ImportResult, record_import, run_import

PLATFORMS = ("douyin", "taobao", "channels", "auto")


class Command(BaseCommand):
    help = "Import a platform's order export (several files only for a pair that belongs together)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--platform", choices=PLATFORMS, default="auto")
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would change; write nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        paths = [Path(name) for name in options["files"]]
        missing = [str(path) for path in paths if not path.is_file()]
        if missing or len(paths) > 2:
            reason = (
                f"no such file: {', '.join(missing)}" if missing else "at most two files (a pair)"
            )
            self.stderr.write(f"usage error: {reason}")
            self._print({**ImportResult().as_json(), "refused": True, "reason": reason})
            sys.exit(2)
        handles = [path.open("rb") for path in paths]
        try:
            order_import = record_import(
                files=[(path.name, handle) for path, handle in zip(paths, handles, strict=True)],
                actor=None,
                platform=options["platform"],
                dry_run=options["dry_run"],
            )
        finally:
            for handle in handles:
                handle.close()
        result = run_import(order_import)
        if result is None:
            order_import.refresh_from_db()
            self.stderr.write(f"refused: {order_import.refusal}")
            self._print(
                {**ImportResult().as_json(), "refused": True, "reason": order_import.refusal}
            )
            sys.exit(1)
        self._print({**result.as_json(), "import_id": order_import.pk})

    def _print(self, data: dict[str, Any]) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, default=str))
