"""The alliance: federations, places, members and the businesses and projects they run."""

import secrets
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance.validators import (
    CREDIT_CODE_PATTERN,
    MOBILE_PATTERN,
    validate_credit_code,
    validate_mobile,
    validate_wecom_webhook_url,
)


def member_photo_path(instance: models.Model, filename: str) -> str:
    # Random names, never the uploader's file name.
    return f"members/{secrets.token_hex(16)}.jpg"


def today() -> date:
    """Today's date in Asia/Shanghai (the project's time zone)."""
    return timezone.localdate()


class User(AbstractUser):
    """A login. Members log in with their mobile (held on Member); staff with a username."""

    class Meta(AbstractUser.Meta):
        verbose_name = _("user account")
        verbose_name_plural = _("user accounts")

    def linked_member(self) -> "Member | None":
        """The member behind this login, if any (also on an unsaved user given one)."""
        try:
            return self.member
        except (AttributeError, ValueError):  # no member, or an unsaved user
            return None

    @property
    def mobile(self) -> str:
        """The linked member's mobile, for password-similarity checks; empty for staff."""
        member = self.linked_member()
        return member.mobile if member else ""

    def __str__(self) -> str:
        member = self.linked_member()
        return member.name if member else (self.get_full_name() or self.username)


class Federation(models.Model):
    """A women's federation: ours (the home federation) or a partner county's."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    region = models.CharField(_("region"), max_length=100, help_text=_("e.g. 浙江省宁波市奉化区"))
    is_home = models.BooleanField(
        _("home federation"),
        default=False,
        help_text=_("The federation that runs this platform. There is exactly one."),
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("federation")
        verbose_name_plural = _("federations")
        ordering = ["-is_home", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_home"],
                condition=Q(is_home=True),
                name="federation_single_home",
                violation_error_message=_("There can be only one home federation."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Township(models.Model):
    """A township, town or subdistrict (乡镇 / 街道) of a federation's county."""

    class Kind(models.TextChoices):
        SUBDISTRICT = "subdistrict", _("subdistrict (街道)")
        TOWN = "town", _("town (镇)")
        TOWNSHIP = "township", _("township (乡)")

    federation = models.ForeignKey(
        Federation,
        verbose_name=_("federation"),
        on_delete=models.PROTECT,
        related_name="townships",
    )
    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.TOWN)

    class Meta:
        verbose_name = _("township")
        verbose_name_plural = _("townships")
        ordering = ["federation", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["federation", "name"],
                name="township_unique_name_per_federation",
                violation_error_message=_("This federation already has a township of that name."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Village(models.Model):
    """A village or community (村 / 社区) in a township."""

    township = models.ForeignKey(
        Township, verbose_name=_("township"), on_delete=models.PROTECT, related_name="villages"
    )
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        ordering = ["township__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["township", "name"],
                name="village_unique_name_per_township",
                violation_error_message=_("This township already has a village of that name."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.township.name}·{self.name}"


class MemberStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    SUSPENDED = "suspended", _("suspended")


class Member(models.Model):
    """One woman of the alliance, with her roles, her login and how she wants to be told."""

    ROLE_FIELDS = ("is_seller", "is_streamer", "is_leader", "is_courtyard_owner", "is_designer")

    name = models.CharField(_("name"), max_length=50)
    mobile = models.CharField(_("mobile"), max_length=11, unique=True, validators=[validate_mobile])
    federation = models.ForeignKey(
        Federation, verbose_name=_("federation"), on_delete=models.PROTECT, related_name="members"
    )
    village = models.ForeignKey(
        Village,
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        related_name="members",
        null=True,
        blank=True,
    )
    is_seller = models.BooleanField(_("seller"), default=False)
    is_streamer = models.BooleanField(_("streamer"), default=False)
    is_leader = models.BooleanField(
        _("leader"), default=False, help_text=_("A leader (领头雁) who brings other women along.")
    )
    is_courtyard_owner = models.BooleanField(_("courtyard owner"), default=False)
    is_designer = models.BooleanField(_("designer"), default=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        on_delete=models.SET_NULL,
        related_name="member",
        null=True,
        blank=True,
    )
    story = models.TextField(_("story"), blank=True, help_text=_("Shown on her public profile."))
    photo = models.ImageField(
        _("photo"),
        upload_to=member_photo_path,
        blank=True,
        help_text=_("Shown on her public profile; re-encoded without location data."),
    )
    notification_email = models.EmailField(_("notification email"), blank=True)
    wecom_webhook_url = models.URLField(
        _("WeCom group-robot webhook"),
        max_length=500,
        blank=True,
        validators=[validate_wecom_webhook_url],
    )
    sms_mobile = models.CharField(
        _("SMS mobile"), max_length=11, blank=True, validators=[validate_mobile]
    )
    notify_by_email = models.BooleanField(_("notify by email"), default=False)
    notify_by_wecom = models.BooleanField(_("notify by WeCom"), default=False)
    notify_by_sms = models.BooleanField(_("notify by SMS"), default=False)
    joined_on = models.DateField(_("joined on"), default=today)
    status = models.CharField(
        _("status"), max_length=20, choices=MemberStatus.choices, default=MemberStatus.ACTIVE
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(mobile__regex=MOBILE_PATTERN),
                name="member_mobile_format",
                violation_error_message=_("The mobile must be 11 digits starting with 1."),
            ),
            models.CheckConstraint(
                condition=Q(sms_mobile="") | Q(sms_mobile__regex=MOBILE_PATTERN),
                name="member_sms_mobile_format",
                violation_error_message=_("The SMS mobile must be 11 digits starting with 1."),
            ),
            models.CheckConstraint(
                condition=Q(notify_by_email=False) | ~Q(notification_email=""),
                name="member_email_channel_needs_address",
                violation_error_message=_("Notification by email needs an email address."),
            ),
            models.CheckConstraint(
                condition=Q(notify_by_wecom=False) | ~Q(wecom_webhook_url=""),
                name="member_wecom_channel_needs_webhook",
                violation_error_message=_("Notification by WeCom needs a webhook address."),
            ),
            models.CheckConstraint(
                condition=Q(notify_by_sms=False) | ~Q(sms_mobile=""),
                name="member_sms_channel_needs_mobile",
                violation_error_message=_("Notification by SMS needs a mobile number."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=MemberStatus.values),
                name="member_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["status", "name"], name="member_status_name")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # The same rules as the check constraints, attached to the field the person must fix.
        errors = {}
        if self.notify_by_email and not self.notification_email:
            errors["notification_email"] = _("Notification by email needs an email address.")
        if self.notify_by_wecom and not self.wecom_webhook_url:
            errors["wecom_webhook_url"] = _("Notification by WeCom needs a webhook address.")
        if self.notify_by_sms and not self.sms_mobile:
            errors["sms_mobile"] = _("Notification by SMS needs a mobile number.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_active_member(self) -> bool:
        return self.status == MemberStatus.ACTIVE

    @property
    def role_labels(self) -> list[str]:
        """Her roles as translated labels, in the glossary's order."""
        return [
            str(self._meta.get_field(field).verbose_name)
            for field in self.ROLE_FIELDS
            if getattr(self, field)
        ]


class MemberEvent(models.Model):
    """One change of a member's status: who, when, from, to, why."""

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField(_("from"), max_length=20, choices=MemberStatus.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=MemberStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("member status change")
        verbose_name_plural = _("member status changes")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.member}: {self.from_status} → {self.to_status}"


class Enterprise(models.Model):
    """A business owned by a member: the story's 32 women-owned enterprises."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    registration_number = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
    )
    owner = models.ForeignKey(
        Member, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="enterprises"
    )
    village = models.ForeignKey(
        Village,
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        related_name="enterprises",
        null=True,
        blank=True,
    )
    description = models.TextField(_("description"), blank=True)
    established_on = models.DateField(_("established on"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(registration_number__regex=CREDIT_CODE_PATTERN),
                name="enterprise_credit_code_format",
                violation_error_message=_("The credit code must be 18 characters."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Project(models.Model):
    """A leader's project or cooperative, and the women it brings along."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    leader = models.ForeignKey(
        Member,
        verbose_name=_("leader"),
        on_delete=models.PROTECT,
        related_name="led_projects",
        limit_choices_to={"is_leader": True},
    )
    township = models.ForeignKey(
        Township,
        verbose_name=_("township"),
        on_delete=models.PROTECT,
        related_name="projects",
        null=True,
        blank=True,
    )
    description = models.TextField(_("description"), blank=True)
    started_on = models.DateField(_("started on"), default=today)
    is_active = models.BooleanField(_("active"), default=True)
    participants = models.ManyToManyField(
        Member,
        verbose_name=_("participants"),
        through="ProjectParticipation",
        related_name="projects",
    )

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.leader_id and not self.leader.is_leader:
            raise ValidationError(
                {"leader": _("Only a member with the leader role can lead a project.")}
            )


class ProjectParticipation(models.Model):
    """A woman in a leader's project, and since when: how "brings along" is counted."""

    project = models.ForeignKey(
        Project,
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="participations",
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="participations",
    )
    joined_on = models.DateField(_("joined on"), default=today)
    left_on = models.DateField(_("left on"), null=True, blank=True)

    class Meta:
        verbose_name = _("project participant")
        verbose_name_plural = _("project participants")
        ordering = ["joined_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "member"],
                name="participation_unique_member_per_project",
                violation_error_message=_("She already takes part in this project."),
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="participation_left_after_joined",
                violation_error_message=_("She cannot leave before she joined."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} @ {self.project}"

    def clean(self) -> None:
        if self.project_id and self.member_id and self.project.leader_id == self.member_id:
            raise ValidationError(
                {"member": _("The leader leads the project; she is not one of its participants.")}
            )


class CampaignForm(models.TextChoices):
    MARKET = "market", _("livestream + market (直播+集市)")
    CHARITY = "charity", _("livestream + charity (直播+公益)")


class Campaign(models.Model):
    """A sister-county campaign (姐妹携手共致富) with a partner federation."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    partner_federation = models.ForeignKey(
        Federation,
        verbose_name=_("partner federation"),
        on_delete=models.PROTECT,
        related_name="campaigns",
    )
    form = models.CharField(_("form"), max_length=20, choices=CampaignForm.choices)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    description = models.TextField(_("description"), blank=True)
    charity_share_percent = models.DecimalField(
        _("share donated (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("For livestream + charity: the share of sales donated."),
    )
    # Issue #6: the partner county's products it sells, and its public page.
    slug = models.SlugField(
        _("web address"),
        max_length=80,
        unique=True,
        help_text=_("The end of its public address /campaigns/…/: letters, digits, dashes."),
    )
    products = models.ManyToManyField(
        "products.Product",
        verbose_name=_("partner-county products"),
        related_name="campaigns",
        blank=True,
        help_text=_("Sold during the campaign's dates; they count towards its sales."),
    )
    is_published = models.BooleanField(
        _("public page"), default=False, help_text=_("Show the campaign's page to everyone.")
    )

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="campaign_ends_after_it_starts",
                violation_error_message=_("A campaign cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(
                    form=CampaignForm.CHARITY,
                    charity_share_percent__gte=0,
                    charity_share_percent__lte=100,
                )
                | Q(~Q(form=CampaignForm.CHARITY), charity_share_percent__isnull=True),
                name="campaign_charity_share",
                violation_error_message=_(
                    "A charity campaign states the share donated (0–100 %); others do not."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ExportLog(models.Model):
    """One download by staff of a file holding personal data: who, when, what, how many rows.

    Append-only: the service only inserts; on PostgreSQL a trigger refuses UPDATE and DELETE
    (migration 0004), and the admin shows the log read-only.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        # A log row outlives nothing it names: deleting a login that exported is refused
        # (deactivate it instead), and SET_NULL would be an UPDATE the trigger refuses anyway.
        on_delete=models.PROTECT,
        related_name="+",
    )
    what = models.CharField(_("what"), max_length=200)
    rows = models.PositiveIntegerField(_("rows"))
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("export log entry")
        verbose_name_plural = _("export log")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="export_log_sha256_hex"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.what}"


# --- The five-beauties map (五美地图) ----------------------------------------------------------


def place_photo_path(instance: models.Model, filename: str) -> str:
    # Random names, never the uploader's file name.
    return f"places/{secrets.token_hex(16)}.jpg"


class PlaceCategory(models.TextChoices):
    """The five beauties, in the order the federation's map collection lists them."""

    VILLAGE = "village", _("beautiful village (美村)")
    SCENERY = "scenery", _("beautiful scenery (美景)")
    GOODS = "goods", _("beautiful goods (美物)")
    HOMESTAY = "homestay", _("beautiful homestay (美宿)")
    FOOD = "food", _("beautiful food (美食)")


class Place(models.Model):
    """A place of the five-beauties map: a village, a view, local goods, a homestay or food.

    Coordinates are GCJ-02 (the datum of AMap, Tencent maps and the WeChat map component), not
    the WGS-84 of GPS; alliance.federation.geo converts for a map whose tiles use WGS-84.
    """

    slug = models.SlugField(
        _("web address"),
        max_length=80,
        unique=True,
        help_text=_("The end of the place's public address /places/…/: letters, digits, dashes."),
    )
    category = models.CharField(_("category"), max_length=20, choices=PlaceCategory.choices)
    name = models.CharField(_("name"), max_length=80)
    summary = models.CharField(
        _("summary"), max_length=140, blank=True, help_text=_("One line for the map and lists.")
    )
    description = models.TextField(_("description"), blank=True)
    village = models.ForeignKey(
        Village, verbose_name=_("village"), on_delete=models.PROTECT, related_name="places"
    )
    address = models.CharField(
        _("public address"),
        max_length=200,
        blank=True,
        help_text=_("Only an address that is public anyway (a shop, homestay, scenic spot)."),
    )
    latitude = models.DecimalField(
        _("latitude (GCJ-02)"),
        max_digits=9,
        decimal_places=6,
        help_text=_("GCJ-02, as AMap, Tencent maps and WeChat show it (not a GPS reading)."),
    )
    longitude = models.DecimalField(
        _("longitude (GCJ-02)"),
        max_digits=9,
        decimal_places=6,
        help_text=_("GCJ-02, as AMap, Tencent maps and WeChat show it (not a GPS reading)."),
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("member it promotes"),
        on_delete=models.SET_NULL,
        related_name="places",
        null=True,
        blank=True,
        help_text=_("Shown by name only."),
    )
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise it promotes"),
        on_delete=models.SET_NULL,
        related_name="places",
        null=True,
        blank=True,
    )
    products = models.ManyToManyField(
        "products.Product", verbose_name=_("products"), related_name="places", blank=True
    )
    courtyard = models.ForeignKey(
        "courtyards.Courtyard",
        verbose_name=_("public courtyard it shows"),
        on_delete=models.SET_NULL,
        related_name="places",
        null=True,
        blank=True,
        limit_choices_to={"kind": "public"},
        help_text=_("A public courtyard (公共庭院) only: a private one is someone's home."),
    )
    business_phone = models.CharField(
        _("public business phone"),
        max_length=24,
        blank=True,
        help_text=_(
            "A homestay's or shop's public line for guests. Never a member's personal mobile."
        ),
    )
    is_published = models.BooleanField(_("shown on the map"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("place (five-beauties map)")
        verbose_name_plural = _("places (five-beauties map)")
        ordering = ["category", "position", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(category__in=PlaceCategory.values), name="place_category_valid"
            ),
            models.CheckConstraint(
                condition=Q(latitude__gte=18, latitude__lte=54, longitude__gte=73)
                & Q(longitude__lte=136),
                name="place_in_china",
                violation_error_message=_(
                    "GCJ-02 coordinates lie in China: latitude 18–54, longitude 73–136."
                ),
            ),
            models.CheckConstraint(condition=~Q(slug=""), name="place_slug_not_empty"),
        ]
        indexes = [
            models.Index(fields=["is_published", "category", "position"], name="place_published"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from alliance.federation.validators import (
            digits_only,
            normalize_business_phone,
            validate_business_phone,
        )

        if self.courtyard_id and not self.courtyard.is_public:
            raise ValidationError(
                {"courtyard": _("Only a public courtyard: a private one is someone's home.")}
            )
        if not self.business_phone:
            return
        self.business_phone = normalize_business_phone(self.business_phone)
        validate_business_phone(self.business_phone)
        digits = digits_only(self.business_phone)
        personal = Member.objects.filter(Q(mobile=digits) | Q(sms_mobile=digits)).exists()
        if personal or Enrolment.objects.filter(mobile=digits).exists():
            raise ValidationError(
                {
                    "business_phone": _(
                        "This is a person's own mobile on our records; a public page may only "
                        "show a business line."
                    )
                }
            )


class PlacePhoto(models.Model):
    """A photo of a place, re-encoded without metadata (alliance.images), with two thumbnails."""

    place = models.ForeignKey(
        Place, verbose_name=_("place"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(_("image"), upload_to=place_photo_path)
    thumbnail_small = models.ImageField(_("small thumbnail"), upload_to=place_photo_path)
    thumbnail_medium = models.ImageField(_("medium thumbnail"), upload_to=place_photo_path)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    alt_text = models.CharField(_("description of the image"), max_length=120, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("place photo")
        verbose_name_plural = _("place photos")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.place.name} #{self.position}"


# --- The livestream backdrop (直播背景板) -------------------------------------------------------


def new_backdrop_token() -> str:
    """256 random bits, URL-safe: the backdrop is shown without a login on a studio screen."""
    return secrets.token_urlsafe(32)


class Backdrop(models.Model):
    """The screen behind a streamer: the five beauties of her villages and the product on sale.

    The token in its address is the only key to it; it shows nothing that is not public anyway.
    """

    session = models.OneToOneField(
        "livestreams.LiveSession",
        verbose_name=_("live session"),
        on_delete=models.CASCADE,
        related_name="backdrop",
    )
    token = models.CharField(
        _("secret address"), max_length=64, unique=True, default=new_backdrop_token
    )
    villages = models.ManyToManyField(
        Village,
        verbose_name=_("villages shown"),
        related_name="+",
        blank=True,
        help_text=_(
            "Whose five beauties it shows. Empty: the villages of the session's products "
            "and of its streamer."
        ),
    )
    current_product = models.ForeignKey(
        "products.Product",
        verbose_name=_("product on sale now"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    slide_seconds = models.PositiveSmallIntegerField(
        _("seconds per picture"),
        default=8,
        validators=[MinValueValidator(3), MaxValueValidator(120)],
    )
    version = models.PositiveIntegerField(
        _("version"), default=0, help_text=_("Moves on with every switch; the screen polls it.")
    )
    switched_at = models.DateTimeField(_("switched at"), null=True, blank=True)
    switched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("switched by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("livestream backdrop")
        verbose_name_plural = _("livestream backdrops")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(slide_seconds__gte=3, slide_seconds__lte=120),
                name="backdrop_slide_seconds_range",
            ),
        ]

    def __str__(self) -> str:
        return str(self.session)


# --- Training and contests (村播培训、比赛) ------------------------------------------------


class Course(models.Model):
    """A training course (村播培训) made of sessions; completing it earns a certificate."""

    title = models.CharField(_("title"), max_length=100)
    topic = models.CharField(_("topic"), max_length=100)
    trainer = models.CharField(_("trainer"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    required_hours = models.DecimalField(
        _("hours needed to complete"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5"))],
        help_text=_("She completes the course once the sessions she attended add up to this."),
    )
    is_open = models.BooleanField(_("open for enrolment"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("training course")
        verbose_name_plural = _("training courses")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(required_hours__gt=0),
                name="course_required_hours_positive",
                violation_error_message=_("A course needs some hours to complete."),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class CourseSession(models.Model):
    """One session of a course: when, where (a venue or a studio), how long, how many seats."""

    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="sessions"
    )
    title = models.CharField(_("title"), max_length=100, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    hours = models.DecimalField(
        _("hours"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5"))],
        help_text=_("Hours this session counts towards completion."),
    )
    venue = models.CharField(
        _("venue"), max_length=100, blank=True, help_text=_("e.g. 尚田街道妇女之家")
    )
    studio = models.ForeignKey(
        "livestreams.Studio",
        verbose_name=_("studio"),
        on_delete=models.PROTECT,
        related_name="training_sessions",
        null=True,
        blank=True,
    )
    capacity = models.PositiveSmallIntegerField(
        _("seats"), validators=[MinValueValidator(1)], help_text=_("How many women fit in.")
    )

    class Meta:
        verbose_name = _("course session")
        verbose_name_plural = _("course sessions")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="course_session_ends_after_it_starts",
                violation_error_message=_("A session must end after it starts."),
            ),
            models.CheckConstraint(
                condition=~Q(venue="") | Q(studio__isnull=False),
                name="course_session_has_a_place",
                violation_error_message=_("Say where the session is: a venue or a studio."),
            ),
            models.CheckConstraint(condition=Q(hours__gt=0), name="course_session_hours_positive"),
            models.CheckConstraint(
                condition=Q(capacity__gte=1), name="course_session_capacity_positive"
            ),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.starts_at)
        return f"{self.course.title} · {local:%Y-%m-%d %H:%M}"

    @property
    def where(self) -> str:
        return str(self.studio) if self.studio_id else self.venue


class Enrolment(models.Model):
    """A woman enrolled in a course: a member, or a woman who is not a member yet.

    A non-member's name, mobile and village are kept for the course only; the mobile is
    shown to staff and never on a public page.
    """

    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="enrolments"
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="enrolments",
        null=True,
        blank=True,
    )
    name = models.CharField(_("name (not a member yet)"), max_length=50, blank=True)
    mobile = models.CharField(
        _("mobile (not a member yet)"), max_length=11, blank=True, validators=[validate_mobile]
    )
    village = models.ForeignKey(
        Village,
        verbose_name=_("village (not a member yet)"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    enrolled_at = models.DateTimeField(_("enrolled at"), default=timezone.now)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["enrolled_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(member__isnull=False, name="", mobile="")
                | (Q(member__isnull=True) & ~Q(name="") & ~Q(mobile="")),
                name="enrolment_member_or_name_and_mobile",
                violation_error_message=_(
                    "Enrol a member, or give the name and mobile of a woman who is not one yet."
                ),
            ),
            models.CheckConstraint(
                condition=Q(mobile="") | Q(mobile__regex=MOBILE_PATTERN),
                name="enrolment_mobile_format",
                violation_error_message=_("The mobile must be 11 digits starting with 1."),
            ),
            models.UniqueConstraint(
                fields=["course", "member"],
                condition=Q(member__isnull=False),
                name="enrolment_unique_member_per_course",
                violation_error_message=_("She is already enrolled in this course."),
            ),
            models.UniqueConstraint(
                fields=["course", "mobile"],
                condition=~Q(mobile=""),
                name="enrolment_unique_mobile_per_course",
                violation_error_message=_("Someone with this mobile is already enrolled."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} @ {self.course}"

    @property
    def display_name(self) -> str:
        return self.member.name if self.member_id else self.name


class Attendance(models.Model):
    """Whether an enrolled woman was at one session of her course, and who recorded it."""

    enrolment = models.ForeignKey(
        Enrolment,
        verbose_name=_("enrolment"),
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    session = models.ForeignKey(
        CourseSession,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    is_present = models.BooleanField(_("present"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["session", "enrolment"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "session"], name="attendance_once_per_session"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment.display_name} · {self.session}"


class Certificate(models.Model):
    """The certificate of a woman who completed a course: its number and the hours it states."""

    enrolment = models.OneToOneField(
        Enrolment,
        verbose_name=_("enrolment"),
        on_delete=models.PROTECT,
        related_name="certificate",
    )
    number = models.CharField(_("certificate number"), max_length=30, unique=True)
    hours = models.DecimalField(_("hours attended"), max_digits=5, decimal_places=1)
    issued_on = models.DateField(_("issued on"), default=today)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_on", "-pk"]

    def __str__(self) -> str:
        return self.number


class Contest(models.Model):
    """A contest for streamers, e.g. 浙江省首届巾帼村播大赛."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    organiser = models.CharField(_("organiser"), max_length=100)
    held_on = models.DateField(_("held on"))
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("contest")
        verbose_name_plural = _("contests")
        ordering = ["-held_on", "name"]

    def __str__(self) -> str:
        return self.name


class ContestEntry(models.Model):
    """A member's entry in a contest."""

    contest = models.ForeignKey(
        Contest, verbose_name=_("contest"), on_delete=models.CASCADE, related_name="entries"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="contest_entries"
    )
    title = models.CharField(
        _("entry"), max_length=120, blank=True, help_text=_("What she presented.")
    )
    entered_on = models.DateField(_("entered on"), default=today)

    class Meta:
        verbose_name = _("contest entry")
        verbose_name_plural = _("contest entries")
        ordering = ["contest", "member__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["contest", "member"],
                name="contest_entry_once_per_member",
                violation_error_message=_("She has already entered this contest."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} @ {self.contest}"


class Award(models.Model):
    """An award an entry won (e.g. 优秀奖)."""

    entry = models.ForeignKey(
        ContestEntry, verbose_name=_("entry"), on_delete=models.CASCADE, related_name="awards"
    )
    name = models.CharField(_("award"), max_length=60, help_text=_("e.g. 一等奖, 优秀奖"))
    rank = models.PositiveSmallIntegerField(
        _("rank"), default=0, help_text=_("For ordering: 1 for the highest award.")
    )
    awarded_on = models.DateField(_("awarded on"))

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        ordering = ["rank", "awarded_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "name"],
                name="award_once_per_entry",
                violation_error_message=_("This entry already has this award."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.entry}"
