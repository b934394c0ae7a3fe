"""The staff import page: history, upload, the dry-run preview, confirm, result and progress, and
the stored files as logged attachments."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alliance.access import staff_required
from livestreams import selectors
from livestreams.forms import (
    ImportUploadForm,
    import_max_upload_mb,
)
from livestreams.models import OrderImport
from livestreams.services import import_runs

IMPORTS_PER_PAGE = 20
ERRORS_PER_PAGE = 50
PREVIEW_ERRORS = 20


@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def imports(request: HttpRequest) -> HttpResponse:
    """The imports so far, and a new import: upload, then a preview made by a dry run."""
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        preview = import_runs.preview_import(
            files=form.files_to_import(), platform=form.chosen_platform(), actor=request.user
        )
        return redirect("staff:import", pk=preview.pk)
    show_previews = request.GET.get("show") == "previews"
    history = selectors.import_history(previews=show_previews)
    page = Paginator(history, IMPORTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "show_previews": show_previews,
        "query": "show=previews" if show_previews else "",
        "limit_mb": import_max_upload_mb(),
    }
    return render(request, "staff/imports/list.html", context, status=400 if form.errors else 200)


def _import(pk: int) -> OrderImport:
    return get_object_or_404(OrderImport.objects.select_related("uploaded_by__member"), pk=pk)


@staff_required
@never_cache
@require_GET
def import_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A preview (figures, first errors, confirm) or an import's result (progress, then errors)."""
    order_import = _import(pk)
    context: dict[str, Any] = {
        "order_import": order_import,
        "counts": order_import.counts,
        "progress": import_runs.progress(order_import),
    }
    if order_import.is_dry_run:
        context["errors"] = order_import.errors[:PREVIEW_ERRORS]
        context["confirmed"] = import_runs.confirmed_import(order_import)
        return render(request, "staff/imports/preview.html", context)
    context["page"] = Paginator(order_import.errors, ERRORS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "staff/imports/result.html", context)


@staff_required
@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Imports the previewed file for real, in the background; the result page follows it."""
    preview = _import(pk)
    try:
        order_import = import_runs.confirm_import(preview=preview, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("staff:import", pk=preview.pk)
    return redirect("staff:import", pk=order_import.pk)


@staff_required
@never_cache
@require_GET
def import_progress(request: HttpRequest, pk: int) -> JsonResponse:
    """How far an import has got, for the result page's progress bar (polled every second)."""
    order_import = get_object_or_404(OrderImport, pk=pk)
    data = import_runs.progress(order_import)
    data["url"] = reverse("staff:import", kwargs={"pk": order_import.pk})
    return JsonResponse(data)


@staff_required
@never_cache
@require_GET
def import_file(request: HttpRequest, pk: int, companion: bool = False) -> FileResponse:
    """The stored export file of an import, as an attachment (logged: it holds recipients)."""
    order_import = get_object_or_404(OrderImport, pk=pk)
    stored = order_import.companion_file if companion else order_import.file
    if not stored:
        raise Http404
    try:
        import_runs.log_download(actor=request.user, order_import=order_import, companion=companion)
    except FileNotFoundError as error:
        raise Http404 from error
    name = stored.name.rsplit("/", 1)[-1]
    return FileResponse(
        stored.open("rb"),
        as_attachment=True,
        filename=name,
        content_type="application/octet-stream",
    )
