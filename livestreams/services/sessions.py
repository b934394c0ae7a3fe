"""Booking live sessions: a studio and a streamer are never in two overlapping sessions."""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from alliance.models import Member, User
from livestreams.models import LiveSession, LiveSessionStatus, Studio

TRANSITIONS: dict[str, set[str]] = {
    LiveSessionStatus.PLANNED: {LiveSessionStatus.LIVE, LiveSessionStatus.CANCELLED},
    LiveSessionStatus.LIVE: {LiveSessionStatus.ENDED},
    LiveSessionStatus.ENDED: set(),
    LiveSessionStatus.CANCELLED: set(),
}


def _overlapping(start: datetime, end: datetime, exclude_pk: int | None) -> Any:
    sessions = LiveSession.objects.filter(planned_start__lt=end, planned_end__gt=start).exclude(
        status=LiveSessionStatus.CANCELLED
    )
    return sessions.exclude(pk=exclude_pk) if exclude_pk else sessions


def _check_free(session: LiveSession) -> None:
    """Refuses the booking if the studio or the streamer is taken; callers hold the locks."""
    clash = _overlapping(session.planned_start, session.planned_end, session.pk)
    studio_clash = clash.filter(studio_id=session.studio_id).first()
    if studio_clash is not None:
        raise ValidationError(
            {
                "studio": _("Studio %(studio)s is booked then for “%(title)s”.")
                % {"studio": session.studio, "title": studio_clash.title}
            },
            code="studio_taken",
        )
    if session.streamer_id:
        streamer_clash = clash.filter(streamer_id=session.streamer_id).first()
        if streamer_clash is not None:
            raise ValidationError(
                {
                    "streamer": _("%(name)s is streaming then in “%(title)s”.")
                    % {"name": session.streamer, "title": streamer_clash.title}
                },
                code="streamer_taken",
            )


@transaction.atomic
def save_session(*, session: LiveSession, featured_products: Any = None) -> LiveSession:
    """Books (or re-times) a session after checking, under lock, that studio and streamer are free.

    The studio's and the streamer's rows are locked first, so two bookings of the same studio
    or streamer run one after the other; PostgreSQL's exclusion constraints are the last guard.
    """
    Studio.objects.select_for_update().filter(pk=session.studio_id).first()
    if session.streamer_id:
        Member.objects.select_for_update().filter(pk=session.streamer_id).first()
    session.full_clean()
    if session.streamer_id and not session.streamer.is_streamer:
        raise ValidationError({"streamer": _("Only a member with the streamer role can stream.")})
    _check_free(session)
    try:
        with transaction.atomic():
            session.save()
    except IntegrityError as error:  # the exclusion constraint caught a race we did not
        raise ValidationError(
            _("The studio or the streamer was booked meanwhile."), code="taken"
        ) from error
    if featured_products is not None:
        session.featured_products.set(featured_products)
    return session


@transaction.atomic
def set_session_status(
    *, session: LiveSession, to_status: str, actor: User | None, at: datetime | None = None
) -> LiveSession:
    """Starts, ends or cancels a session; going live and ending record the actual times."""
    from django.utils import timezone

    session = LiveSession.objects.select_for_update().get(pk=session.pk)
    if session.status == to_status:
        return session
    if to_status not in TRANSITIONS[session.status]:
        raise ValidationError(
            _("A session cannot go from “%(from)s” to “%(to)s”.")
            % {"from": session.get_status_display(), "to": LiveSessionStatus(to_status).label},
            code="invalid_transition",
        )
    moment = at or timezone.now()
    if to_status == LiveSessionStatus.LIVE:
        session.actual_start = moment
    if to_status == LiveSessionStatus.ENDED:
        session.actual_end = max(moment, session.actual_start or moment)
    session.status = to_status
    session.save(update_fields=["status", "actual_start", "actual_end"])
    return session
