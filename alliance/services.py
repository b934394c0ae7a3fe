"""Every change of the alliance's records goes through these functions."""

from datetime import date

from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.images import process_image
from alliance.models import (
    Federation,
    Member,
    MemberEvent,
    MemberStatus,
    Project,
    ProjectParticipation,
    User,
    Village,
)
from alliance.roles import (
    FEDERATION_STAFF_GROUP,
    SELLERS_GROUP,
    STAFF_MANAGED_APPS,
    STAFF_READ_ONLY_MODELS,
)
from alliance.validators import normalize_mobile

MEMBER_TRANSITIONS: dict[str, set[str]] = {
    MemberStatus.ACTIVE: {MemberStatus.SUSPENDED},
    MemberStatus.SUSPENDED: {MemberStatus.ACTIVE},
}


def sync_role_groups(*, using: str = "default") -> None:
    """Creates the staff and seller groups, sets staff permissions; repeat calls change nothing."""
    staff, _created = Group.objects.using(using).get_or_create(name=FEDERATION_STAFF_GROUP)
    Group.objects.using(using).get_or_create(name=SELLERS_GROUP)
    wanted = [
        permission
        for permission in Permission.objects.using(using)
        .filter(content_type__app_label__in=STAFF_MANAGED_APPS)
        .select_related("content_type")
        if permission.codename.startswith("view_")
        or (permission.content_type.app_label, permission.content_type.model)
        not in STAFF_READ_ONLY_MODELS
    ]
    if set(staff.permissions.all()) != set(wanted):
        staff.permissions.set(wanted)


@transaction.atomic
def create_member(
    *,
    name: str,
    mobile: str,
    federation: Federation,
    village: Village | None = None,
    roles: tuple[str, ...] = (),
    joined_on: date | None = None,
    story: str = "",
) -> Member:
    """Adds a woman to the alliance; refuses a mobile already in use."""
    unknown = set(roles) - set(Member.ROLE_FIELDS)
    if unknown:
        raise ValueError(f"Unknown roles: {sorted(unknown)}")
    member = Member(
        name=name.strip(),
        mobile=normalize_mobile(mobile),
        federation=federation,
        village=village,
        joined_on=joined_on or timezone.localdate(),
        story=story,
        **dict.fromkeys(roles, True),
    )
    member.full_clean()
    member.save()
    return member


@transaction.atomic
def grant_login(*, member: Member, password: str, email: str = "") -> User:
    """Gives a member a login (her mobile is the login name); refuses if she already has one."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.user_id is not None:
        raise ValidationError(_("This member already has a login."), code="has_login")
    user = User(username=f"member-{member.pk}", email=email, first_name=member.name)
    user.member = member
    validate_password(password, user)
    user.set_password(password)
    user.save()
    user.groups.add(Group.objects.get(name=SELLERS_GROUP))
    member.user = user
    member.save(update_fields=["user", "updated_at"])
    return user


@transaction.atomic
def create_staff_account(
    *, username: str, password: str, full_name: str = "", email: str = ""
) -> User:
    """A federation staff login with the staff group's admin permissions."""
    user = User(username=username.lower(), first_name=full_name, email=email, is_staff=True)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.add(Group.objects.get(name=FEDERATION_STAFF_GROUP))
    return user


@transaction.atomic
def set_member_status(
    *, member: Member, to_status: str, actor: User | None, reason: str = ""
) -> Member:
    """Moves a member between active and suspended and records it; the same status is a no-op.

    A suspended member's login is deactivated, which ends her sessions on the next request.
    """
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.status == to_status:
        return member
    if to_status not in MEMBER_TRANSITIONS.get(member.status, set()):
        raise ValidationError(
            _("A member cannot go from %(from)s to %(to)s.")
            % {"from": member.status, "to": to_status},
            code="invalid_transition",
        )
    MemberEvent.objects.create(
        member=member,
        from_status=member.status,
        to_status=to_status,
        actor=actor,
        reason=reason,
    )
    member.status = to_status
    member.save(update_fields=["status", "updated_at"])
    if member.user_id is not None:
        User.objects.filter(pk=member.user_id).update(is_active=to_status == MemberStatus.ACTIVE)
    return member


def suspend_member(*, member: Member, actor: User | None, reason: str = "") -> Member:
    """Suspends a member and closes her login; suspending twice changes nothing."""
    return set_member_status(
        member=member, to_status=MemberStatus.SUSPENDED, actor=actor, reason=reason
    )


def reinstate_member(*, member: Member, actor: User | None, reason: str = "") -> Member:
    """Reinstates a suspended member and reopens her login; repeat calls change nothing."""
    return set_member_status(
        member=member, to_status=MemberStatus.ACTIVE, actor=actor, reason=reason
    )


@transaction.atomic
def update_notification_preferences(
    *,
    member: Member,
    notification_email: str,
    wecom_webhook_url: str,
    sms_mobile: str,
    notify_by_email: bool,
    notify_by_wecom: bool,
    notify_by_sms: bool,
) -> Member:
    """Saves how a member wants to hear about new orders; validates every channel she turns on."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    member.notification_email = notification_email.strip()
    member.wecom_webhook_url = wecom_webhook_url.strip()
    member.sms_mobile = normalize_mobile(sms_mobile) if sms_mobile else ""
    member.notify_by_email = notify_by_email
    member.notify_by_wecom = notify_by_wecom
    member.notify_by_sms = notify_by_sms
    member.full_clean()
    member.save()
    return member


@transaction.atomic
def set_member_photo(*, member: Member, upload: UploadedFile | None) -> Member:
    """Sets (or with None removes) a member's public photo, re-encoded without metadata."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    old_name = member.photo.name
    if upload is None:
        member.photo = ""
    else:
        processed = process_image(upload)
        member.photo.save("photo.jpg", processed.medium, save=False)
    member.save(update_fields=["photo", "updated_at"])
    if old_name:
        storage = member.photo.storage
        transaction.on_commit(lambda: storage.delete(old_name))
    return member


@transaction.atomic
def update_member_story(*, member: Member, story: str) -> Member:
    """Saves the story on a member's public profile; saving the same story again writes nothing."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    story = story.strip()
    if member.story == story:
        return member
    member.story = story
    member.save(update_fields=["story", "updated_at"])
    return member


@transaction.atomic
def add_project_participant(
    *, project: Project, member: Member, joined_on: date | None = None
) -> ProjectParticipation:
    """Records that a woman joined a leader's project; adding her again returns the same row."""
    existing = ProjectParticipation.objects.filter(project=project, member=member).first()
    if existing is not None:
        return existing
    participation = ProjectParticipation(
        project=project, member=member, joined_on=joined_on or timezone.localdate()
    )
    participation.full_clean()
    participation.save()
    return participation
