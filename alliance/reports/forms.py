"""The period filter every report page, export and PDF takes (whole local days, both ends)."""

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance.reports.selectors import Period, latest_sale_day

MAX_DAYS = 1100  # about three years: the longest period a page shows day by day


def twelve_months_to(last: date) -> Period:
    """From the first day of the month eleven months before `last`'s, to `last`."""
    first = date(last.year - 1, last.month, 1) + timedelta(days=32)
    return Period(first.replace(day=1), last)


def default_period(latest_sale: date | None) -> Period:
    """The twelve months up to the latest sale (or up to today when nothing was sold yet)."""
    return twelve_months_to(latest_sale or timezone.localdate())


class PeriodForm(forms.Form):
    """From and to (dates); empty means the default period."""

    start = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            raise forms.ValidationError(_("The period cannot end before it starts."))
        if start and end and (end - start).days + 1 > MAX_DAYS:
            raise forms.ValidationError(
                _("Choose a period of at most %(days)d days.") % {"days": MAX_DAYS}
            )
        return data

    def period(self) -> Period:
        """The chosen period, the default one filling what is missing (one query then)."""
        data = self.cleaned_data if self.is_valid() else {}
        start, end = data.get("start"), data.get("end")
        if start and end:
            return Period(start, end)
        if end:
            return twelve_months_to(end)
        fallback = default_period(latest_sale_day())
        if start:
            return Period(start, max(start, min(fallback.end, start + timedelta(MAX_DAYS - 1))))
        return fallback
