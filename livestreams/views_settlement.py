"""Settlement pages: staff's month of statements, a statement, the rates (/staff/settlement/);
the seller's own statements, confirmed by her, with PDF and xlsx (/seller/statements/).

Every change goes through livestreams.services.settlement. A seller's statement is looked up
among hers only (another seller's id answers 404, before the method is checked). Staff
downloads of a statement (it names the seller) are written to the export log.
"""

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alliance.access import member_required, staff_required
from alliance.exports import log_export
from alliance.reports import pdf, xlsx
from livestreams import selectors_settlement as selectors
from livestreams.forms_settlement import (
    ChannelRatesForm,
    MemberRateForm,
    MonthForm,
    PayForm,
    ReasonForm,
)
from livestreams.models import MemberRate, Statement
from livestreams.services import settlement

STATEMENTS_PER_PAGE = 30
LINES_PER_PAGE = 30
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _month(request: HttpRequest) -> tuple[MonthForm, date]:
    form = MonthForm(request.GET or request.POST or None)
    chosen = form.cleaned_data.get("month") if form.is_valid() else None
    if chosen is None:
        today = timezone.localdate()
        chosen = date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)
    return form, chosen


@staff_required
@require_GET
def month_page(request: HttpRequest) -> HttpResponse:
    """A month's statements (last month by default) with their totals by status."""
    form, month = _month(request)
    period = settlement.month_period(month)
    page = Paginator(selectors.period_statements(period), STATEMENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "form": form,
        "month": month,
        "period": period,
        "summary": selectors.period_summary(period),
        "page": page,
        "query": urlencode({"month": f"{month:%Y-%m}"}),
    }
    return render(request, "staff/settlement/month.html", context)


@staff_required
@require_POST
def make_month(request: HttpRequest) -> HttpResponse:
    """Works out the month's statements: new drafts, drafts again; confirmed ones untouched."""
    form, month = _month(request)
    if not form.is_valid() or form.cleaned_data.get("month") is None:
        messages.error(request, _("Choose the month to settle."))
        return redirect("staff:settlement")
    period = settlement.month_period(month)
    if period.end >= timezone.localdate():
        messages.error(request, _("A month is settled once it is over."))
        return redirect(f"{reverse('staff:settlement')}?month={month:%Y-%m}")
    count = settlement.make_statements(period=period, actor=request.user)
    messages.success(
        request,
        _("%(count)d statements for %(month)s.") % {"count": count, "month": f"{month:%Y-%m}"},
    )
    return redirect(f"{reverse('staff:settlement')}?month={month:%Y-%m}")


def _lines_page(request: HttpRequest, statement: Statement) -> Any:
    return Paginator(selectors.settled_lines(statement), LINES_PER_PAGE).get_page(
        request.GET.get("page")
    )


def _staff_statement(statement_id: int) -> Statement:
    return get_object_or_404(selectors.statement_detail(Statement.objects.all()), pk=statement_id)


def _statement_page(
    request: HttpRequest, statement: Statement, template: str, status: int = 200, **extra: Any
) -> HttpResponse:
    context = {"statement": statement, "page": _lines_page(request, statement), **extra}
    return render(request, template, context, status=status)


@staff_required
@require_GET
def statement_page(request: HttpRequest, statement_id: int) -> HttpResponse:
    """A statement as staff see it: its figures, lines, history; pay it or send it back."""
    statement = _staff_statement(statement_id)
    return _statement_page(
        request,
        statement,
        "staff/settlement/statement.html",
        pay_form=PayForm(),
        reason_form=ReasonForm(),
    )


@staff_required
@require_POST
def statement_pay(request: HttpRequest, statement_id: int) -> HttpResponse:
    statement = _staff_statement(statement_id)
    form = PayForm(request.POST)
    if form.is_valid():
        try:
            settlement.mark_paid(
                statement=statement, actor=request.user, reference=form.cleaned_data["reference"]
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("Payment recorded. This statement is final now."))
            return redirect("staff:settlement_statement", statement_id=statement.pk)
    return _statement_page(
        request,
        statement,
        "staff/settlement/statement.html",
        400,
        pay_form=form,
        reason_form=ReasonForm(),
    )


@staff_required
@require_POST
def statement_reopen(request: HttpRequest, statement_id: int) -> HttpResponse:
    statement = _staff_statement(statement_id)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            settlement.reopen(
                statement=statement, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("The statement is a draft again."))
            return redirect("staff:settlement_statement", statement_id=statement.pk)
    return _statement_page(
        request,
        statement,
        "staff/settlement/statement.html",
        400,
        pay_form=PayForm(),
        reason_form=form,
    )


def _file(statement: Statement, kind: str) -> tuple[bytes, str, str]:
    lines = list(selectors.settled_lines(statement))
    name = f"statement-{statement.period_start:%Y%m}-{statement.pk}"
    if kind == "pdf":
        return pdf.statement_pdf(statement, lines), "application/pdf", f"{name}.pdf"
    return xlsx.statement_workbook(statement, lines), XLSX, f"{name}.xlsx"


def _send(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@staff_required
@require_GET
def statement_file(request: HttpRequest, statement_id: int, kind: str) -> HttpResponse:
    """The statement as PDF or xlsx; the download is logged (it names the seller)."""
    statement = _staff_statement(statement_id)
    content, content_type, name = _file(statement, kind)
    log_export(
        actor=request.user,
        what=_("Statement of %(name)s, %(month)s")
        % {"name": statement.seller.name, "month": f"{statement.period_start:%Y-%m}"},
        rows=statement.lines_count,
        content=content,
    )
    return _send(content, content_type, name)


@staff_required
@require_http_methods(["GET", "POST"])
def rates_page(request: HttpRequest) -> HttpResponse:
    """The rates of every channel, and the members who have their own."""
    channel_form = ChannelRatesForm(request.POST if "channels" in request.POST else None)
    member_form = MemberRateForm(request.POST if "member_rate" in request.POST else None)
    if request.method == "POST" and "channels" in request.POST and channel_form.is_valid():
        with transaction.atomic():
            for channel, fee, commission in channel_form.rates():
                settlement.set_channel_rate(
                    channel=channel, platform_fee_rate=fee, commission_rate=commission
                )
        messages.success(request, _("Rates saved. Statements worked out from now on use them."))
        return redirect("staff:settlement_rates")
    if request.method == "POST" and "member_rate" in request.POST and member_form.is_valid():
        data = member_form.cleaned_data
        try:
            settlement.set_member_rate(
                member=data["member"],
                channel=data["channel"],
                platform_fee_rate=data["platform_fee_rate"],
                commission_rate=data["commission_rate"],
                note=data["note"],
            )
        except ValidationError as error:
            member_form.add_error(None, error.messages)
        else:
            messages.success(request, _("Her rates were saved."))
            return redirect("staff:settlement_rates")
    context = {
        "channel_form": channel_form,
        "member_form": member_form,
        "member_rates": MemberRate.objects.select_related("member").order_by(
            "member__name", "channel"
        )[:200],
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "staff/settlement/rates.html", context, status=status)


# --- The seller's statements --------------------------------------------------------------------


@member_required
@require_GET
def my_statements(request: HttpRequest) -> HttpResponse:
    """Her statements, the latest first, with what waits for her confirmation."""
    page = Paginator(selectors.seller_statements(request.member), STATEMENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "counts": selectors.seller_statement_counts(request.member),
        "query": "",
    }
    return render(request, "seller/statements/list.html", context)


def _own_statement(request: HttpRequest, statement_id: int) -> Statement:
    return get_object_or_404(
        selectors.statement_detail(selectors.seller_statements(request.member)), pk=statement_id
    )


@member_required
def my_statement(request: HttpRequest, statement_id: int) -> HttpResponse:
    """One of her statements: the figures, the channels, late refunds, every line."""
    statement = _own_statement(request, statement_id)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return _statement_page(request, statement, "seller/statements/statement.html")


@member_required
def my_statement_confirm(request: HttpRequest, statement_id: int) -> HttpResponse:
    """She confirms her draft: the base can pay it."""
    statement = _own_statement(request, statement_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        settlement.confirm(statement=statement, member=request.member)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Thank you: the statement is confirmed; the base pays it."))
    return redirect("seller:statement", statement_id=statement.pk)


@member_required
def my_statement_file(request: HttpRequest, statement_id: int, kind: str) -> HttpResponse:
    """Her statement as PDF or xlsx."""
    statement = _own_statement(request, statement_id)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return _send(*_file(statement, kind))
