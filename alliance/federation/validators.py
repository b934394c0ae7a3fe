"""Validation of what the federation's public pages show: a place's public business phone."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# A landline with its area code (0574-88881234, extension allowed), a 400/800 service number, or
# a mobile a business publishes as its own line.
BUSINESS_PHONE_PATTERN = (
    r"^(0[1-9][0-9]{1,2}-?[0-9]{7,8}(-[0-9]{1,5})?|[48]00-?[0-9]{3}-?[0-9]{4}|1[3-9][0-9]{9})$"
)
_BUSINESS_PHONE_RE = re.compile(BUSINESS_PHONE_PATTERN)
_SPACES_RE = re.compile(r"[\s()（）]")


def normalize_business_phone(value: str) -> str:
    """The number without spaces or brackets: 0574 8888 1234 → 057488881234."""
    return _SPACES_RE.sub("", value or "")


def digits_only(value: str) -> str:
    """Just the digits, to compare a number however it was typed."""
    return re.sub(r"\D", "", value or "")


def validate_business_phone(value: str) -> None:
    if not _BUSINESS_PHONE_RE.match(normalize_business_phone(value)):
        raise ValidationError(
            _(
                "Enter the business's public phone: a landline with its area code "
                "(0574-88881234), a 400 number, or the business's own mobile."
            ),
            code="invalid_business_phone",
        )
