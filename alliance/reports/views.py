"""The staff's report pages (/staff/reports/), their xlsx exports and the report to the
government; and the seller's own sales (/seller/sales/).

Every figure comes from alliance.reports.selectors through alliance.reports.tables; a page runs
a constant number of queries whatever the number of orders (tests/alliance/test_reports.py
asserts the exact counts).
"""

from typing import Any

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from alliance.access import member_required, staff_required
from alliance.exports import log_export
from alliance.reports import pdf, selectors, tables, xlsx
from alliance.reports.forms import PeriodForm
from alliance.reports.selectors import Period
from alliance.reports.tables import ReportView, Table
from livestreams.models import LiveSession

ROWS_PER_PAGE = 31  # a month of days on a staff page
SELLER_ROWS_PER_PAGE = 10  # a phone
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _period(request: HttpRequest) -> tuple[PeriodForm, Period]:
    """The period asked for (or the default one), and the form showing it."""
    asked = {key: request.GET[key] for key in ("start", "end") if request.GET.get(key)}
    form = PeriodForm(asked or None)
    period = form.period()
    if not asked:
        form = PeriodForm(initial={"start": period.start, "end": period.end})
    return form, period


def _chart_blocks(report_tables: list[Table]) -> list[dict[str, Any]]:
    blocks = []
    for index, table in enumerate(report_tables):
        data = table.chart_data()
        if data is not None:
            blocks.append({"id": f"chart-{index}-{table.key}", "title": table.title, "data": data})
    return blocks


def _paginate(request: HttpRequest, report_tables: list[Table], per_page: int) -> None:
    """Tables that have pages show one page of their rows (already aggregated: no query)."""
    for table in report_tables:
        if table.paginate:
            table.page = Paginator(table.rows, per_page).get_page(request.GET.get(table.page_param))
            table.page_rows = list(table.page)


def _session(request: HttpRequest) -> LiveSession | None:
    value = request.GET.get("session", "")
    if not value:
        return None
    if not value.isdigit():
        raise Http404
    session = (
        LiveSession.objects.select_related("streamer", "studio", "campaign")
        .filter(pk=int(value))
        .first()
    )
    if session is None:
        raise Http404
    return session


def _report(request: HttpRequest, period: Period) -> tuple[ReportView, LiveSession | None]:
    view = request.GET.get("view", "overview")
    report = tables.build(view, period)
    session = _session(request) if report.key == "sessions" else None
    if session is not None:
        report.tables = tables.session_detail(period, session) + report.tables
    return report, session


@staff_required
@require_GET
def reports(request: HttpRequest) -> HttpResponse:
    """One view of the report (overview, by time, channel, session …) for a period."""
    form, period = _period(request)
    report, session = _report(request, period)
    _paginate(request, report.tables, ROWS_PER_PAGE)
    query = {"view": report.key, "start": period.start, "end": period.end}
    if session is not None:
        query["session"] = session.pk
    context = {
        "form": form,
        "period": period,
        "report": report,
        "views": tables.view_titles(),
        "charts": _chart_blocks(report.tables),
        "query": urlencode(query),
        "period_query": urlencode({"start": period.start, "end": period.end}),
        "session": session,
    }
    return render(request, "staff/reports/reports.html", context)


@staff_required
@require_GET
def reports_export(request: HttpRequest) -> HttpResponse:
    """Every table of the view as an xlsx file, all rows; logged (it names members)."""
    _form, period = _period(request)
    report, _session_shown = _report(request, period)
    title = _("Report: %(view)s, %(start)s to %(end)s") % {
        "view": report.title,
        "start": period.start,
        "end": period.end,
    }
    content = xlsx.tables_workbook(title=title, period=period, tables=report.tables)
    log_export(
        actor=request.user,
        what=title,
        rows=sum(len(table.rows) for table in report.tables),
        content=content,
    )
    response = HttpResponse(content, content_type=XLSX)
    name = f"report-{report.key}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@staff_required
@require_GET
def government_report(request: HttpRequest) -> HttpResponse:
    """The one-page PDF for the government, in Chinese; logged (it names the leaders)."""
    _form, period = _period(request)
    content = pdf.government_pdf(pdf.government_figures(period))
    log_export(
        actor=request.user,
        what=_("Report to the government, %(start)s to %(end)s")
        % {"start": period.start, "end": period.end},
        rows=1,
        content=content,
    )
    response = HttpResponse(content, content_type="application/pdf")
    name = f"report-{period.start:%Y%m%d}-{period.end:%Y%m%d}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@member_required
@require_GET
def my_sales(request: HttpRequest) -> HttpResponse:
    """Her own sales by month, by product and by live session (the same figures as staff's)."""
    form, period = _period(request)
    mine = Q(seller=request.member)
    report_tables = [
        tables.month_table(period, where=mine, sellers=False),
        tables.product_table(period, where=mine),
        tables.session_table(period, where=mine),
    ]
    totals = selectors.sales_totals(period, where=mine)
    _paginate(request, report_tables, SELLER_ROWS_PER_PAGE)
    context = {
        "form": form,
        "period": period,
        "tables": report_tables,
        "totals": totals,
        "charts": _chart_blocks(report_tables[:1]),
        "query": urlencode({"start": period.start, "end": period.end}),
    }
    return render(request, "seller/sales/sales.html", context)
