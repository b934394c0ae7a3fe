"""Training courses (村播培训) and contests: enrolment, attendance, completion, certificates.

The completion rule: a woman completes a course when the hours of the sessions she attended
add up to the course's required hours; only then can a certificate be issued, once.
"""

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, DecimalField, Min, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.models import (
    Attendance,
    Award,
    Certificate,
    Course,
    CourseSession,
    Enrolment,
    Member,
    User,
    Village,
)
from alliance.validators import normalize_mobile, validate_mobile

TENTH = Decimal("0.1")
NO_HOURS = Value(Decimal("0.0"), output_field=DecimalField(max_digits=6, decimal_places=1))


# --- Reads ---------------------------------------------------------------------------------------


def with_hours(enrolments: QuerySet[Enrolment]) -> QuerySet[Enrolment]:
    """Enrolments annotated with attended_hours: the hours of the sessions she was present at."""
    return enrolments.annotate(
        attended_hours=Coalesce(
            Sum("attendances__session__hours", filter=Q(attendances__is_present=True)), NO_HOURS
        )
    )


def attended_hours(enrolment: Enrolment) -> Decimal:
    """Her hours in the course so far, to a tenth of an hour (one query)."""
    hours = with_hours(Enrolment.objects.filter(pk=enrolment.pk)).get().attended_hours
    return Decimal(hours).quantize(TENTH)


def has_completed(enrolment: Enrolment, hours: Decimal | None = None) -> bool:
    """The completion rule: attended hours reach the course's required hours."""
    hours = attended_hours(enrolment) if hours is None else hours
    return hours >= enrolment.course.required_hours


def course_enrolments(course: Course) -> QuerySet[Enrolment]:
    """A course's enrolments with names, villages, hours and certificates: one query."""
    return with_hours(
        course.enrolments.select_related(
            "member__village__township", "village__township", "certificate"
        )
    ).order_by("enrolled_at", "pk")


def courses_overview() -> QuerySet[Course]:
    """Courses, newest first, each with its enrolment count and its first session's start."""
    first = (
        CourseSession.objects.filter(course=OuterRef("pk"))
        .order_by("starts_at")
        .values("starts_at")[:1]
    )
    return Course.objects.annotate(
        enrolled=Count("enrolments", distinct=True), first_session=Subquery(first)
    ).order_by("-created_at", "-pk")


def session_roll(session: CourseSession) -> list[tuple[Enrolment, bool]]:
    """The roll of a session: every enrolment of its course and whether she was marked present."""
    present = set(
        Attendance.objects.filter(session=session, is_present=True).values_list(
            "enrolment_id", flat=True
        )
    )
    enrolments = session.course.enrolments.select_related(
        "member__village__township", "village__township"
    ).order_by("enrolled_at", "pk")
    return [(enrolment, enrolment.pk in present) for enrolment in enrolments]


def enrolments_of(member: Member) -> QuerySet[Enrolment]:
    """Her enrolments: as a member, and from before she joined (same mobile), with hours."""
    return with_hours(
        Enrolment.objects.filter(Q(member=member) | Q(member__isnull=True, mobile=member.mobile))
        .select_related("course", "certificate")
        .order_by("-enrolled_at", "-pk")
    )


def certificates_of(member: Member) -> QuerySet[Certificate]:
    """Her certificates, newest first."""
    return (
        Certificate.objects.filter(
            Q(enrolment__member=member)
            | Q(enrolment__member__isnull=True, enrolment__mobile=member.mobile)
        )
        .select_related("enrolment__course")
        .order_by("-issued_on", "-pk")
    )


def awards_of(member: Member) -> QuerySet[Award]:
    """Her contest awards, newest first."""
    return (
        Award.objects.filter(entry__member=member)
        .select_related("entry__contest")
        .order_by("-awarded_on", "rank", "pk")
    )


def course_capacity(course: Course) -> int | None:
    """How many can enrol: the seats of its smallest session; None before it has sessions."""
    return course.sessions.aggregate(seats=Min("capacity"))["seats"]


# --- Writes --------------------------------------------------------------------------------------


def _check_room(course: Course) -> None:
    if not course.is_open:
        raise ValidationError(_("This course is not open for enrolment."), code="closed")
    seats = course_capacity(course)
    if seats is not None and course.enrolments.count() >= seats:
        raise ValidationError(
            _("The course is full: its smallest session has %(seats)d seats.") % {"seats": seats},
            code="full",
        )


@transaction.atomic
def enrol_member(*, course: Course, member: Member) -> Enrolment:
    """Enrols a member; enrolling her again returns the same enrolment."""
    course = Course.objects.select_for_update().get(pk=course.pk)
    existing = course.enrolments.filter(member=member).first()
    if existing is not None:
        return existing
    _check_room(course)
    enrolment = Enrolment(course=course, member=member)
    enrolment.full_clean()
    enrolment.save()
    return enrolment


@transaction.atomic
def enrol_woman(*, course: Course, name: str, mobile: str, village: Village | None) -> Enrolment:
    """Enrols a woman by name and mobile; a member with that mobile is enrolled as herself.

    Enrolling the same mobile again returns the same enrolment.
    """
    mobile = normalize_mobile(mobile)
    validate_mobile(mobile)
    member = Member.objects.filter(mobile=mobile).first()
    if member is not None:
        return enrol_member(course=course, member=member)
    course = Course.objects.select_for_update().get(pk=course.pk)
    existing = course.enrolments.filter(mobile=mobile).first()
    if existing is not None:
        return existing
    _check_room(course)
    enrolment = Enrolment(course=course, name=name.strip(), mobile=mobile, village=village)
    enrolment.full_clean()
    enrolment.save()
    return enrolment


@transaction.atomic
def record_attendance(
    *,
    session: CourseSession,
    present: set[int],
    actor: User | None,
    at: datetime | None = None,
) -> dict[str, int]:
    """Writes the roll of a session: those listed present, every other enrolment absent.

    Recording the same roll again changes nothing. Ids that are not enrolments of the
    session's course are refused.
    """
    enrolment_ids = set(session.course.enrolments.values_list("pk", flat=True))
    strangers = present - enrolment_ids
    if strangers:
        raise ValidationError(_("Someone on this roll is not enrolled in the course."))
    existing = {a.enrolment_id: a for a in session.attendances.select_for_update()}
    now = at or timezone.now()
    changed, created = [], []
    for enrolment_id in enrolment_ids:
        is_present = enrolment_id in present
        row = existing.get(enrolment_id)
        if row is None:
            created.append(
                Attendance(
                    enrolment_id=enrolment_id,
                    session=session,
                    is_present=is_present,
                    recorded_by=actor,
                    recorded_at=now,
                )
            )
        elif row.is_present != is_present:
            row.is_present, row.recorded_by, row.recorded_at = is_present, actor, now
            changed.append(row)
    Attendance.objects.bulk_create(created)
    Attendance.objects.bulk_update(changed, ["is_present", "recorded_by", "recorded_at"])
    return {"present": len(present), "changed": len(changed) + len(created)}


def certificate_number(enrolment: Enrolment, year: int) -> str:
    """A certificate's number: year, course and enrolment (unique, as the enrolment is)."""
    return f"FHFL-{year}-{enrolment.course_id:03d}-{enrolment.pk:05d}"


@transaction.atomic
def issue_certificate(
    *, enrolment: Enrolment, actor: User | None, issued_on: date | None = None
) -> Certificate:
    """Issues her certificate once she has completed the course; issuing again returns it."""
    enrolment = Enrolment.objects.select_for_update().select_related("course").get(pk=enrolment.pk)
    existing = Certificate.objects.filter(enrolment=enrolment).first()
    if existing is not None:
        return existing
    hours = attended_hours(enrolment)
    if not has_completed(enrolment, hours):
        raise ValidationError(
            _("She has attended %(hours)s of the %(required)s hours the course needs.")
            % {"hours": hours, "required": enrolment.course.required_hours},
            code="not_completed",
        )
    issued_on = issued_on or timezone.localdate()
    return Certificate.objects.create(
        enrolment=enrolment,
        number=certificate_number(enrolment, issued_on.year),
        hours=hours,
        issued_on=issued_on,
        issued_by=actor,
    )


def issue_certificates(*, course: Course, actor: User | None, issued_on: date | None = None) -> int:
    """Issues the certificates of everyone who completed the course and has none yet."""
    due = [
        enrolment
        for enrolment in course_enrolments(course)
        if enrolment.attended_hours >= course.required_hours
        and not hasattr(enrolment, "certificate")
    ]
    for enrolment in due:
        issue_certificate(enrolment=enrolment, actor=actor, issued_on=issued_on)
    return len(due)
