"""The platforms' order-export importers behind one interface (see base.Importer).

`detect` recognises the platform from the headers; a forced platform whose columns are not
there is refused with the missing columns named.
"""

from django.utils.translation import gettext as _

from livestreams.importers.base import FileRefused, Importer, ParsedLine, RowError, Table
from livestreams.importers.channels import ChannelsImporter
from livestreams.importers.douyin import DouyinImporter
from livestreams.importers.taobao import QianniuImporter, TaobaoLegacyImporter

IMPORTERS: tuple[Importer, ...] = (
    DouyinImporter(),
    QianniuImporter(),
    TaobaoLegacyImporter(),
    ChannelsImporter(),
)

__all__ = ["IMPORTERS", "FileRefused", "Importer", "ParsedLine", "RowError", "Table", "detect"]


def detect(tables: list[Table], platform: str | None = None) -> Importer:
    """The importer for these files (the platform forced or recognised); refuses otherwise."""
    candidates = [i for i in IMPORTERS if platform in (None, "auto", i.platform)]
    for importer in candidates:
        if importer.recognises(tables):
            importer.check(tables)
            return importer
    if platform not in (None, "auto"):
        # Forced: name what is missing against the first format of that platform that fits the
        # number of files.
        fitting = [i for i in candidates if i.files_needed == len(tables)] or candidates
        if fitting:
            fitting[0].check(tables)
            raise FileRefused(
                _("These files are not a %(platform)s export.") % {"platform": fitting[0].label}
            )
    if len(tables) > 1:
        raise FileRefused(
            _(
                "Several files are imported together only as a pair that belongs together "
                "(Taobao's ExportOrderList + ExportOrderDetailList)."
            )
        )
    raise FileRefused(
        _("The header of %(name)s is not that of a Douyin, Taobao or WeChat Channels order export.")
        % {"name": tables[0].name}
    )
