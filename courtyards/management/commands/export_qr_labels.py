"""`manage.py export_qr_labels OUTDIR [--courtyard ID]`: one PNG per active code and the A4 label
sheet (PDF) of each courtyard, ready to print."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from courtyards import labels, qr, selectors
from courtyards.models import Courtyard


class Command(BaseCommand):
    help = (
        "Write a print-quality PNG of every active QR code and an A4 label sheet (PDF) per "
        "courtyard into OUTDIR."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("outdir", type=Path)
        parser.add_argument("--courtyard", type=int, help="only this courtyard (its id)")
        parser.add_argument(
            "--base-url",
            default="",
            help="where the codes point, e.g. https://fulian.example.cn (default: QR_BASE_URL)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        courtyards = Courtyard.objects.order_by("pk")
        if options["courtyard"] is not None:
            courtyards = courtyards.filter(pk=options["courtyard"])
            if not courtyards.exists():
                raise CommandError(f"There is no courtyard {options['courtyard']}.")
        base = (options["base_url"] or qr.base_url()).rstrip("/")
        outdir: Path = options["outdir"]
        outdir.mkdir(parents=True, exist_ok=True)
        codes = selectors.qr_codes_for_labels(list(courtyards.values_list("pk", flat=True)))
        by_courtyard: dict[int, list] = {}
        for code in codes:
            label = qr.label_for(code, base)
            kind = "piece" if code.item_id else "design"
            thing = code.item_id or code.design_id
            path = (
                outdir
                / f"courtyard-{code.courtyard_id}-{kind}-{thing}-{code.token[:6].lower()}.png"
            )
            path.write_bytes(qr.png(label))
            by_courtyard.setdefault(code.courtyard_id, []).append(label)
        sheets = 0
        for courtyard in courtyards:
            if courtyard.pk not in by_courtyard:
                continue
            sheet = labels.sheet(by_courtyard[courtyard.pk], title=courtyard.name)
            (outdir / f"courtyard-{courtyard.pk}-labels.pdf").write_bytes(sheet)
            sheets += 1
        self.stdout.write(
            f"{len(codes)} codes as PNG and {sheets} label sheets in {outdir} ({base})"
        )
