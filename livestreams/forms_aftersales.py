"""Forms of the after-sales desk (staff) and of the seller's answers."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance.models import User
from livestreams.models import AfterSalesTicket, OrderLine, TicketKind
from livestreams.selectors_aftersales import STAFF_TABS
from livestreams.services.aftersales import MAX_NOTE


class DeskFilterForm(forms.Form):
    tab = forms.ChoiceField(choices=[(tab, tab) for tab in STAFF_TABS], required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("every kind")), *TicketKind.choices], required=False
    )
    q = forms.CharField(
        label=_("Order id, subject or seller"),
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "search"}),
    )


def staff_users() -> Any:
    return User.objects.filter(is_staff=True, is_active=True).order_by("username")


class OwnerField(forms.ModelChoiceField):
    def label_from_instance(self, user: User) -> str:
        return user.get_full_name() or user.username


class OrderLookupForm(forms.Form):
    order = forms.CharField(
        label=_("Platform order id"),
        max_length=64,
        help_text=_("The order the customer calls about (leave empty for a general enquiry)."),
        required=False,
    )


class OpenTicketForm(forms.Form):
    """A new ticket: what kind, about which lines of the order, in the customer's words."""

    kind = forms.ChoiceField(label=_("Kind"), choices=TicketKind.choices)
    lines = forms.TypedMultipleChoiceField(
        label=_("Order lines"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(
        label=_("What the customer says"),
        max_length=MAX_NOTE,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    owner = OwnerField(
        label=_("Owner"), queryset=User.objects.none(), required=False, empty_label=_("nobody yet")
    )

    def __init__(self, *args: Any, lines: list[OrderLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_lines = {line.pk: line for line in lines}
        self.fields["lines"].choices = [
            (line.pk, f"{line.title} · {line.spec} × {line.quantity}") for line in lines
        ]
        self.fields["owner"].queryset = staff_users()

    def chosen_lines(self) -> list[OrderLine]:
        return [self.order_lines[pk] for pk in self.cleaned_data.get("lines", [])]


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"), max_length=MAX_NOTE, widget=forms.Textarea(attrs={"rows": 4})
    )
    is_internal = forms.BooleanField(
        label=_("Internal (the seller does not see it)"), required=False, initial=True
    )
    ask_seller = forms.BooleanField(
        label=_("Ask the seller and wait for her answer"), required=False
    )


class ReplyForm(forms.Form):
    """The seller's answer on a ticket of hers."""

    text = forms.CharField(
        label=_("Your answer"), max_length=MAX_NOTE, widget=forms.Textarea(attrs={"rows": 4})
    )


class AssignForm(forms.Form):
    owner = OwnerField(
        label=_("Owner"), queryset=User.objects.none(), required=False, empty_label=_("nobody")
    )
    due_at = forms.DateTimeField(
        label=_("Due"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff_users()


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Why"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class ResolveForm(forms.Form):
    """How the ticket was resolved and, for a refund, the amount refunded on each line."""

    resolution = forms.CharField(
        label=_("How it was resolved"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, ticket: AfterSalesTicket, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.refund_fields: list[tuple[str, OrderLine]] = []
        if not ticket.is_refund:
            return
        for ticket_line in ticket.ticket_lines.all():
            line = ticket_line.line
            left = line.line_total - min(line.refunded_amount, line.line_total)
            name = f"refund_{line.pk}"
            self.fields[name] = forms.DecimalField(
                label=_("Refund on “%(title)s” (at most %(left)s yuan)")
                % {"title": line.title[:30], "left": left},
                min_value=Decimal("0"),
                max_value=left,
                max_digits=12,
                decimal_places=2,
                required=False,
                initial=left if line.refunded_amount == 0 else Decimal("0.00"),
            )
            self.refund_fields.append((name, line))

    def refunds(self) -> dict[int, Decimal]:
        return {
            line.pk: self.cleaned_data.get(name) or Decimal("0")
            for name, line in self.refund_fields
        }


def local_input(value: datetime | None) -> str:
    return f"{timezone.localtime(value):%Y-%m-%dT%H:%M}" if value else ""
