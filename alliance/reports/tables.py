"""The report pages as tables: what each view of /staff/reports/ shows, built from the one
selector. The same tables feed the page, its charts and its xlsx export, so all three always
agree. Every table is one aggregate query (training figures: three)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from alliance.models import CampaignForm
from alliance.reports import selectors
from alliance.reports.selectors import ADDITIVE, ZERO, Period
from livestreams.models import Channel, LiveSession


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    kind: str = "text"  # text, money, int, date, datetime, percent


@dataclass
class Table:
    """Rows of one grouping, with the columns to show, an optional chart and a totals row."""

    key: str
    title: str | Promise
    columns: list[Column]
    rows: list[dict[str, Any]]
    chart: str = ""  # "bar", "line", "doughnut", "stacked" or nothing
    chart_value: str = "net"
    chart_skips: str = ""  # a key whose None group stays out of the chart (it would dwarf it)
    paginate: bool = False
    totals: dict[str, Any] | None = None
    note: str | Promise = ""
    empty: str | Promise = ""  # what an empty table says (default: nothing sold)
    page_rows: list[dict[str, Any]] | None = None  # one page of rows, when the page has pages
    page: Any = None  # the Paginator page shown

    @property
    def page_param(self) -> str:
        return f"{self.key}_page"

    @property
    def shown_rows(self) -> list[dict[str, Any]]:
        return self.rows if self.page_rows is None else self.page_rows

    @property
    def display_rows(self) -> list[dict[str, Any]]:
        """The shown rows as the page prints them: formatted cells, and the session to link."""
        return [
            {
                "cells": [(format_cell(row.get(c.key), c.kind), c.kind) for c in self.columns],
                "session_id": row.get("session_id"),
            }
            for row in self.shown_rows
        ]

    @property
    def labelled_rows(self) -> list[dict[str, Any]]:
        """The shown rows for a phone: the name, the net sales and the other cells labelled."""
        rows = []
        for row in self.shown_rows:
            rows.append(
                {
                    "name": row.get("name"),
                    "net": format_cell(row.get("net"), "money"),
                    "pairs": [
                        (c.label, format_cell(row.get(c.key), c.kind))
                        for c in self.columns
                        if c.key not in ("name", "net") and row.get(c.key) != ""
                    ],
                }
            )
        return rows

    @property
    def display_totals(self) -> list[tuple[str, str]] | None:
        if self.totals is None:
            return None
        return [
            (format_cell(self.totals.get(c.key), c.kind) if c.key in self.totals else "", c.kind)
            for c in self.columns
        ]

    def chart_data(self) -> dict[str, Any] | None:
        """Labels and values for Chart.js. Floats here only: they draw bars, nothing is summed."""
        if not self.chart or not self.rows:
            return None
        if self.chart == "stacked":
            return self._stacked()
        rows = [r for r in self.rows if not self.chart_skips or r[self.chart_skips] is not None]
        return {
            "type": self.chart,
            "labels": [str(row["name"]) for row in rows[:40]],
            "datasets": [
                {
                    "label": str(_column_label(self.columns, self.chart_value)),
                    "data": [float(row[self.chart_value] or 0) for row in rows[:40]],
                }
            ],
        }

    def _stacked(self) -> dict[str, Any]:
        labels = sorted({row["group"] for row in self.rows})
        series: dict[str, dict[str, float]] = {}
        for row in self.rows:
            series.setdefault(str(row["name"]), {})[row["group"]] = float(row[self.chart_value])
        return {
            "type": "bar",
            "stacked": True,
            "labels": [str(label) for label in labels],
            "datasets": [
                {"label": name, "data": [values.get(label, 0.0) for label in labels]}
                for name, values in series.items()
            ],
        }


def format_cell(value: Any, kind: str) -> str:
    """A cell as text: money with two decimals and thousands separators, counts grouped."""
    if value is None:
        return "—"
    if kind == "money":
        return f"{Decimal(value):,.2f}"
    if kind == "int":
        return f"{value:,}"
    if kind == "percent":
        return f"{value}%"
    return str(value)


def _column_label(columns: list[Column], key: str) -> str | Promise:
    return next((column.label for column in columns if column.key == key), key)


@dataclass
class ReportView:
    key: str
    title: str | Promise
    tables: list[Table]
    figures: list[tuple[str | Promise, Any, str]] = field(default_factory=list)
    notes: list[str | Promise] = field(default_factory=list)

    @property
    def display_figures(self) -> list[tuple[str | Promise, str]]:
        return [
            (label, ("¥" if kind == "money" else "") + format_cell(value, kind))
            for label, value, kind in self.figures
        ]


def measure_columns(*, orders: bool = True, sellers: bool = False) -> list[Column]:
    columns = []
    if orders:
        columns.append(Column("orders", _("orders"), "int"))
    if sellers:
        columns.append(Column("sellers", _("sellers selling"), "int"))
    return [
        *columns,
        Column("quantity", _("units"), "int"),
        Column("gross", _("gross (yuan)"), "money"),
        Column("refunds", _("refunds (yuan)"), "money"),
        Column("net", _("net sales (yuan)"), "money"),
    ]


def totals_row(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The additive measures summed over the groups (they equal the period's totals)."""
    total: dict[str, Any] = {name: sum((row[name] for row in rows), 0) for name in ADDITIVE}
    for name in ("gross", "refunds", "net"):
        total[name] = Decimal(total[name]) + ZERO
    total["name"] = _("Total")
    return total


def _named(rows: list[dict[str, Any]], name: Callable[[dict[str, Any]], Any]) -> list[dict]:
    for row in rows:
        row["name"] = name(row)
    return rows


# --- Views ---------------------------------------------------------------------------------------


def overview(period: Period) -> ReportView:
    totals = selectors.sales_totals(period)
    months = month_table(period)
    channels = channel_table(period)
    partner = sum((row["net"] for row in partner_table(period).rows if row["partner_id"]), ZERO)
    return ReportView(
        "overview",
        _("Overview"),
        [months, channels],
        figures=[
            (_("net sales (yuan)"), totals["net"], "money"),
            (_("orders"), totals["orders"], "int"),
            (_("units sold"), totals["quantity"], "int"),
            (_("sellers selling"), totals["sellers"], "int"),
            (_("refunds (yuan)"), totals["refunds"], "money"),
            (_("partner-county products (yuan)"), partner, "money"),
        ],
    )


def month_table(period: Period, *, where: Q | None = None, sellers: bool = True) -> Table:
    rows = _named(
        selectors.sales_by("month", period, where=where), lambda row: f"{row['month']:%Y-%m}"
    )
    return Table(
        "by_month",
        _("Sales by month"),
        [Column("name", _("month")), *measure_columns(sellers=sellers)],
        rows,
        chart="bar",
        totals=totals_row(rows),
    )


def day_table(period: Period) -> Table:
    rows = _named(selectors.sales_by("day", period), lambda row: row["day"].isoformat())
    return Table(
        "by_day",
        _("Sales by day"),
        [Column("name", _("day")), *measure_columns(sellers=True)],
        rows,
        chart="line",
        paginate=True,
        totals=totals_row(rows),
    )


def channel_label(value: str | None) -> str:
    return str(Channel(value).label) if value in Channel.values else str(value or "—")


def channel_table(period: Period) -> Table:
    rows = _named(selectors.sales_by("channel", period), lambda r: channel_label(r["channel"]))
    return Table(
        "by_channel",
        _("Sales by channel"),
        [Column("name", _("channel")), *measure_columns(sellers=True)],
        rows,
        chart="doughnut",
        totals=totals_row(rows),
    )


def channel_month_table(period: Period) -> Table:
    rows = selectors.sales_by(("month", "channel"), period)
    for row in rows:
        row["group"] = f"{row['month']:%Y-%m}"
        row["name"] = channel_label(row["channel"])
    totals = totals_row(rows)
    totals["group"], totals["name"] = totals["name"], ""
    return Table(
        "by_channel_month",
        _("Sales by channel and month"),
        [Column("group", _("month")), Column("name", _("channel")), *measure_columns()],
        rows,
        chart="stacked",
        paginate=True,
        totals=totals,
    )


def session_table(period: Period, *, where: Q | None = None) -> Table:
    def name(row: dict[str, Any]) -> str:
        if row["session_id"] is None:
            return str(_("Not sold in a live session"))
        start = timezone.localtime(row["session_start"])
        return f"{start:%m-%d %H:%M} {row['session_title']}"

    rows = _named(selectors.sales_by("session", period, where=where), name)
    for row in rows:
        row["platform"] = channel_label(row["session_platform"]) if row["session_id"] else ""
        row["streamer"] = row["streamer_name"] or ""
    return Table(
        "by_session",
        _("Sales by live session"),
        [
            Column("name", _("live session")),
            Column("platform", _("platform")),
            Column("streamer", _("streamer")),
            *measure_columns(),
        ],
        rows,
        chart="bar",
        chart_skips="session_id",
        paginate=True,
        totals=totals_row(rows),
    )


def streamer_table(period: Period) -> Table:
    rows = _named(
        selectors.sales_by("streamer", period),
        lambda row: row["streamer_name"] or _("No streamer member (no session, or staff streamed)"),
    )
    return Table(
        "by_streamer",
        _("Sales by streamer"),
        [Column("name", _("streamer")), *measure_columns()],
        rows,
        chart="bar",
        chart_skips="streamer_id",
        totals=totals_row(rows),
    )


def _grouped_table(
    dimension: str,
    period: Period,
    name: Callable[[dict[str, Any]], Any],
    *,
    key: str,
    title: str | Promise,
    label: str | Promise,
    sellers: bool = True,
    paginate: bool = False,
    where: Q | None = None,
) -> Table:
    """One dimension's sales as a bar-charted table with a totals row, each group named."""
    rows = _named(selectors.sales_by(dimension, period, where=where), name)
    return Table(
        key,
        title,
        [Column("name", label), *measure_columns(sellers=sellers)],
        rows,
        chart="bar",
        paginate=paginate,
        totals=totals_row(rows),
    )


def seller_table(period: Period, *, where: Q | None = None) -> Table:
    return _grouped_table(
        "seller", period, lambda row: row["seller_name"], key="by_seller",
        title=_("Sales by member (seller)"), label=_("member"), sellers=False, paginate=True,
        where=where,
    )  # fmt: skip


def enterprise_table(period: Period) -> Table:
    return _grouped_table(
        "enterprise", period,
        lambda row: row["enterprise_name"] or _("No enterprise (sold in her own name)"),
        key="by_enterprise", title=_("Sales by enterprise"), label=_("enterprise"),
    )  # fmt: skip


def township_table(period: Period) -> Table:
    return _grouped_table(
        "township", period, lambda row: row["township_name"] or _("Village not set"),
        key="by_township", title=_("Sales by township"), label=_("township"),
    )  # fmt: skip


def village_table(period: Period) -> Table:
    def name(row: dict[str, Any]) -> Any:
        if row["village_id"]:
            return f"{row['township_name']}·{row['village_name']}"
        return _("Village not set")

    return _grouped_table(
        "village", period, name, key="by_village",
        title=_("Sales by village (where the seller lives)"), label=_("village"), paginate=True,
    )  # fmt: skip


def category_table(period: Period) -> Table:
    def name(row: dict[str, Any]) -> str:
        if row["category_id"] is None:
            return str(_("Not in the catalogue (courtyard pieces)"))
        if row["parent_name"]:
            return f"{row['parent_name']} / {row['category_name']}"
        return row["category_name"]

    return _grouped_table(
        "category", period, name, key="by_category", title=_("Sales by category"),
        label=_("category"),
    )  # fmt: skip


def product_table(
    period: Period,
    *,
    where: Q | None = None,
    key: str = "by_product",
    limit: int | None = None,
    paginate: bool = True,
) -> Table:
    rows = _named(
        selectors.sales_by("product", period, where=where, limit=limit),
        lambda row: row["product_name"] or _("Not in the catalogue (courtyard pieces)"),
    )
    return Table(
        key,
        _("Top products") if limit else _("Sales by product"),
        [Column("name", _("product")), *measure_columns()],
        rows,
        chart="bar",
        paginate=paginate and limit is None,
        totals=None if limit else totals_row(rows),
    )


def partner_table(period: Period) -> Table:
    rows = _named(
        selectors.sales_by("partner", period),
        lambda row: row["partner_name"] or _("The alliance's own products"),
    )
    return Table(
        "by_partner",
        _("Partner-county products"),
        [Column("name", _("whose products")), *measure_columns(sellers=True)],
        rows,
        chart="doughnut",
        totals=totals_row(rows),
    )


def campaign_table(period: Period) -> Table:
    rows = selectors.campaign_sales(period)
    for row in rows:
        row["form_label"] = str(CampaignForm(row["form"]).label)
        row["dates"] = f"{row['starts_on']:%Y-%m-%d} – {row['ends_on']:%Y-%m-%d}"
        row["partner"] = row["partner_federation__name"]
        share = row["charity_share_percent"]
        row["donated"] = (row["net"] * share / 100).quantize(Decimal("0.01")) if share else None
    return Table(
        "by_campaign",
        _("Sister-county campaigns"),
        [
            Column("name", _("campaign")),
            Column("form_label", _("form")),
            Column("partner", _("partner federation")),
            Column("dates", _("dates")),
            *measure_columns(),
            Column("donated", _("donated (yuan)"), "money"),
        ],
        rows,
        chart="bar",
        note=_(
            "A campaign's sales: orders sold in its live sessions, and its partner-county "
            "products paid within its dates. Campaigns can overlap, so they are not summed."
        ),
    )


def leaders_table(period: Period) -> Table:
    rows = selectors.leaders_impact(period)
    trained_known = selectors.training_model("Attendance") is not None
    columns = [
        Column("name", _("leader")),
        Column("village__name", _("village")),
        Column("project_count", _("projects"), "int"),
        Column("brought_along", _("women brought along"), "int"),
    ]
    if trained_known:
        columns.append(Column("trained", _("of them trained"), "int"))
    columns += [
        Column("selling", _("of them selling"), "int"),
        Column("sales", _("their net sales (yuan)"), "money"),
    ]
    return Table(
        "leaders",
        _("Leaders' impact"),
        columns,
        rows,
        chart="bar",
        chart_value="brought_along",
        note=_(
            "Women brought along: taking part in one of her projects during the period. Trained: "
            "present at a training session by the period's end. Selling: with sales in the period."
        ),
    )


def training_table(period: Period) -> Table | None:
    figures = selectors.training_figures(period)
    if figures is None:
        return None
    labels = [
        ("courses", _("courses held")),
        ("sessions", _("training sessions")),
        ("hours", _("hours of training")),
        ("women_present", _("women present (members or not)")),
        ("members_present", _("of them members")),
        ("attendances", _("attendances")),
        ("certificates", _("certificates issued")),
    ]
    rows = [{"name": label, "value": figures[key]} for key, label in labels]
    return Table(
        "training",
        _("Training"),
        [Column("name", _("figure")), Column("value", _("value"), "int")],
        rows,
    )


def courtyard_table(period: Period) -> Table | None:
    rows = selectors.courtyard_scans(period)
    if rows is None:
        return None
    for row in rows:
        row["name"] = f"{row['township__name']}·{row['name']}"
        row["conversion"] = (
            (Decimal(row["orders"] + row["bookings"]) * 100 / row["scans"]).quantize(Decimal("0.1"))
            if row["scans"]
            else None
        )
    return Table(
        "courtyards",
        _("Courtyard scans and what they turned into"),
        [
            Column("name", _("village")),
            Column("courtyard_count", _("courtyards"), "int"),
            Column("scans", _("scans"), "int"),
            Column("orders", _("orders from a piece's code"), "int"),
            Column("bookings", _("design visits booked"), "int"),
            Column("conversion", _("conversion"), "percent"),
            Column("net", _("net sales from codes (yuan)"), "money"),
        ],
        rows,
        chart="bar",
        chart_value="scans",
        note=_(
            "Conversion: orders and design visits booked for every hundred scans in the period."
        ),
        empty=_("No village has a courtyard with QR codes yet."),
    )


def session_detail(period: Period, session: LiveSession) -> list[Table]:
    """One live session: its top products and its sales hour by hour."""
    where = Q(order__live_session=session)
    hours = _named(
        selectors.sales_by("hour", period, where=where), lambda row: f"{row['hour']:02d}:00"
    )
    return [
        product_table(period, where=where, key="session_products", limit=10),
        Table(
            "session_hours",
            _("Sales hour by hour"),
            [Column("name", _("hour")), *measure_columns()],
            hours,
            chart="bar",
            totals=totals_row(hours),
        ),
    ]


VIEWS: dict[str, tuple[str | Promise, Callable[[Period], list[Table]]]] = {
    "time": (_("By day and month"), lambda p: [month_table(p), day_table(p)]),
    "channels": (_("By channel"), lambda p: [channel_table(p), channel_month_table(p)]),
    "sessions": (_("Live sessions and streamers"), lambda p: [session_table(p), streamer_table(p)]),
    "sellers": (_("Members and enterprises"), lambda p: [seller_table(p), enterprise_table(p)]),
    "places": (_("Villages"), lambda p: [township_table(p), village_table(p)]),
    "products": (_("Categories and products"), lambda p: [category_table(p), product_table(p)]),
    "campaigns": (
        _("Campaigns and partner county"),
        lambda p: [campaign_table(p), partner_table(p)],
    ),
    "impact": (_("Leaders, training and courtyards"), lambda p: _impact(p)),
}
VIEW_ORDER = ("overview", *VIEWS)


def _impact(period: Period) -> list[Table]:
    optional = (training_table(period), courtyard_table(period))
    return [leaders_table(period), *(table for table in optional if table is not None)]


def build(view: str, period: Period) -> ReportView:
    """The tables of one view of the report page (unknown views show the overview)."""
    if view not in VIEWS:
        return overview(period)
    title, tables = VIEWS[view]
    return ReportView(view, title, tables(period))


def view_titles() -> list[tuple[str, str | Promise]]:
    return [("overview", _("Overview")), *((key, title) for key, (title, _f) in VIEWS.items())]
