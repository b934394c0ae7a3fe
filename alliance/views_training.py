"""Training pages: staff run courses (enrol, take the roll on a phone, issue certificates);
a member sees her courses, certificates and awards and downloads her certificates.

A member reaches only her own certificates: another one's id answers 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from alliance.access import member_required, staff_required
from alliance.federation import training
from alliance.federation.forms import EnrolForm
from alliance.models import Certificate, Course, CourseSession, Federation
from alliance.pdf import certificate_pdf

COURSES_PER_PAGE = 30
ENROLMENTS_PER_PAGE = 50
MINE_PER_PAGE = 20


def _issuer() -> str:
    home = Federation.objects.filter(is_home=True).values_list("name", flat=True).first()
    return home or _("Fenghua District Women's Federation")


def _certificate_response(certificate: Certificate) -> HttpResponse:
    response = HttpResponse(certificate_pdf(certificate, _issuer()), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.number}.pdf"'
    return response


# --- Staff ---------------------------------------------------------------------------------------


@staff_required
def staff_courses(request: HttpRequest) -> HttpResponse:
    """Training courses, newest first, with enrolments and their first session."""
    page = Paginator(training.courses_overview(), COURSES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "staff/federation/courses.html", {"page": page})


def _course_page(
    request: HttpRequest, course: Course, form: EnrolForm | None = None
) -> HttpResponse:
    sessions = course.sessions.select_related("studio").annotate(
        present=Count("attendances", filter=Q(attendances__is_present=True))
    )
    enrolments = Paginator(training.course_enrolments(course), ENROLMENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "course": course,
        "sessions": sessions,
        "page": enrolments,
        "capacity": training.course_capacity(course),
        "form": form or EnrolForm(),
    }
    return render(request, "staff/federation/course.html", context)


@staff_required
@never_cache
def staff_course(request: HttpRequest, course_id: int) -> HttpResponse:
    """A course: its sessions with attendance, its enrolments with hours and certificates."""
    return _course_page(request, get_object_or_404(Course, pk=course_id))


@staff_required
@require_POST
def staff_course_enrol(request: HttpRequest, course_id: int) -> HttpResponse:
    """Enrols a member (by mobile) or a woman who is not a member yet."""
    course = get_object_or_404(Course, pk=course_id)
    form = EnrolForm(request.POST)
    if not form.is_valid():
        return _course_page(request, course, form)
    data = form.cleaned_data
    try:
        enrolment = training.enrol_woman(
            course=course, name=data["name"], mobile=data["mobile"], village=data["village"]
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _course_page(request, course, form)
    messages.success(request, _("%(name)s is enrolled.") % {"name": enrolment.display_name})
    return redirect("staff:course", course_id=course.pk)


@staff_required
@require_POST
def staff_course_certificates(request: HttpRequest, course_id: int) -> HttpResponse:
    """Issues the certificates of everyone who completed the course and has none yet."""
    course = get_object_or_404(Course, pk=course_id)
    issued = training.issue_certificates(course=course, actor=request.user)
    messages.success(
        request,
        ngettext("%(count)d certificate issued.", "%(count)d certificates issued.", issued)
        % {"count": issued},
    )
    return redirect("staff:course", course_id=course.pk)


@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def staff_session_roll(request: HttpRequest, session_id: int) -> HttpResponse:
    """The roll of one session, on a phone: tick who is here, save."""
    sessions = CourseSession.objects.select_related("course", "studio")
    session = get_object_or_404(sessions, pk=session_id)
    if request.method == "POST":
        try:
            present = {int(value) for value in request.POST.getlist("present")}
            training.record_attendance(session=session, present=present, actor=request.user)
        except (ValueError, ValidationError):
            messages.error(request, _("Someone on this roll is not enrolled in the course."))
        else:
            messages.success(
                request,
                ngettext(
                    "Attendance saved: %(count)d present.",
                    "Attendance saved: %(count)d present.",
                    len(present),
                )
                % {"count": len(present)},
            )
            return redirect("staff:course", course_id=session.course_id)
    context = {"session": session, "roll": training.session_roll(session)}
    return render(request, "staff/federation/roll.html", context)


@staff_required
def staff_certificate(request: HttpRequest, certificate_id: int) -> HttpResponse:
    """A certificate as PDF, for staff."""
    certificate = get_object_or_404(
        Certificate.objects.select_related("enrolment__course", "enrolment__member"),
        pk=certificate_id,
    )
    return _certificate_response(certificate)


# --- Her courses, certificates and awards --------------------------------------------------------


@member_required
def seller_learning(request: HttpRequest) -> HttpResponse:
    """My courses (hours so far, completed or not), my certificates, my awards."""
    member = request.member
    context = {
        "courses": Paginator(training.enrolments_of(member), MINE_PER_PAGE).get_page(
            request.GET.get("courses")
        ),
        "certificates": Paginator(training.certificates_of(member), MINE_PER_PAGE).get_page(
            request.GET.get("certificates")
        ),
        "awards": Paginator(training.awards_of(member), MINE_PER_PAGE).get_page(
            request.GET.get("awards")
        ),
    }
    return render(request, "seller/federation/learning.html", context)


@member_required
def seller_certificate(request: HttpRequest, certificate_id: int) -> HttpResponse:
    """Her certificate as PDF; someone else's answers 404."""
    certificate = get_object_or_404(
        training.certificates_of(request.member).select_related("enrolment__member"),
        pk=certificate_id,
    )
    return _certificate_response(certificate)
