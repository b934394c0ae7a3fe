"""Forms of settlement: the month, the payment, a correction, the rates."""

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from alliance.models import Member, MemberStatus
from livestreams.models import Channel, ChannelRate

RATE = {"min_value": Decimal("0"), "max_value": Decimal("100"), "max_digits": 5,
        "decimal_places": 2}  # fmt: skip


class MonthForm(forms.Form):
    month = forms.CharField(
        label=_("Month"),
        required=False,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2022-03"}),
    )

    def clean_month(self) -> date | None:
        value = self.cleaned_data["month"].strip()
        if not value:
            return None
        try:
            year, month = (int(part) for part in value.split("-"))
            return date(year, month, 1)
        except ValueError as error:
            raise forms.ValidationError(
                _("Give the month as year-month, e.g. 2022-03."), code="bad_month"
            ) from error


class PayForm(forms.Form):
    reference = forms.CharField(
        label=_("Payment reference"),
        max_length=100,
        help_text=_("The bank transfer's number, so that she can find the payment."),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("What needs correcting"), max_length=200)


class ChannelRatesForm(forms.Form):
    """The platform fee and base commission of every channel."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = {rate.channel: rate for rate in ChannelRate.objects.all()}
        self.rows = []
        for value, label in Channel.choices:
            rate = current.get(value)
            fee, commission = f"fee_{value}", f"commission_{value}"
            self.fields[fee] = forms.DecimalField(
                label=_("%(channel)s: platform fee (%%)") % {"channel": label},
                initial=rate.platform_fee_rate if rate else Decimal("0.00"),
                **RATE,
            )
            self.fields[commission] = forms.DecimalField(
                label=_("%(channel)s: base commission (%%)") % {"channel": label},
                initial=rate.commission_rate if rate else Decimal("0.00"),
                **RATE,
            )
            self.rows.append((value, label, fee, commission))

    def rates(self) -> list[tuple[str, Decimal, Decimal]]:
        return [
            (value, self.cleaned_data[fee], self.cleaned_data[commission])
            for value, _label, fee, commission in self.rows
        ]


class MemberChoice(forms.ModelChoiceField):
    def label_from_instance(self, member: Member) -> str:
        return f"{member.name} · {member.village.name if member.village_id else '—'}"


class MemberRateForm(forms.Form):
    """A member's own rates on one channel, or on all (both rates empty removes them)."""

    member = MemberChoice(label=_("Member"), queryset=Member.objects.none())
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", _("every channel")), *Channel.choices], required=False
    )
    platform_fee_rate = forms.DecimalField(
        label=_("Platform fee (%)"), required=False, help_text=_("Empty: the channel's."), **RATE
    )
    commission_rate = forms.DecimalField(
        label=_("Base commission (%)"), required=False, help_text=_("Empty: the channel's."), **RATE
    )
    note = forms.CharField(label=_("Why"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = (
            Member.objects.filter(is_seller=True, status=MemberStatus.ACTIVE)
            .select_related("village")
            .order_by("name", "pk")
        )
