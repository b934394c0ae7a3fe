"""Reads of the alliance's records that pages and reports share."""

from django.db.models import Count, Q, QuerySet

from alliance.models import Enterprise, Member, MemberStatus, Project, Village
from alliance.validators import is_mobile, normalize_mobile


def members_matching(
    *, text: str = "", role: str = "", status: str = "", village: Village | None = None
) -> QuerySet[Member]:
    """Members filtered for the staff list, with what each row shows already joined."""
    members = Member.objects.select_related("village__township", "federation", "user")
    text = text.strip()
    if text:
        if is_mobile(text):
            members = members.filter(mobile=normalize_mobile(text))
        else:
            members = members.filter(Q(name__icontains=text) | Q(mobile__startswith=text))
    if role in Member.ROLE_FIELDS:
        members = members.filter(**{role: True})
    if status in MemberStatus.values:
        members = members.filter(status=status)
    if village is not None:
        members = members.filter(village=village)
    return members.order_by("name", "pk")


def alliance_figures() -> dict[str, int]:
    """Headline counts of the alliance (no personal data): members by role, businesses, projects."""
    active = Q(status=MemberStatus.ACTIVE)
    figures = Member.objects.aggregate(
        members=Count("pk", filter=active),
        suspended=Count("pk", filter=Q(status=MemberStatus.SUSPENDED)),
        sellers=Count("pk", filter=active & Q(is_seller=True)),
        streamers=Count("pk", filter=active & Q(is_streamer=True)),
        leaders=Count("pk", filter=active & Q(is_leader=True)),
        courtyard_owners=Count("pk", filter=active & Q(is_courtyard_owner=True)),
        designers=Count("pk", filter=active & Q(is_designer=True)),
    )
    figures["enterprises"] = Enterprise.objects.filter(is_active=True).count()
    figures["projects"] = Project.objects.filter(is_active=True).count()
    figures["villages"] = Village.objects.count()
    return figures


def member_overview(member: Member) -> dict[str, object]:
    """What the seller dashboard's home shows of a member: her enterprises and projects."""
    return {
        "enterprises": list(member.enterprises.filter(is_active=True).order_by("name")),
        "led_projects": list(
            member.led_projects.annotate(
                participant_count=Count("participations", filter=Q(participations__left_on=None))
            ).order_by("name")
        ),
        "projects": list(
            member.participations.select_related("project__leader").order_by("joined_on")
        ),
    }
