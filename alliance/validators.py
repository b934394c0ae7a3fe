"""Validation of the identifiers people type: mobiles, credit codes, webhook URLs."""

import re
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MOBILE_PATTERN = r"^1[3-9][0-9]{9}$"
_MOBILE_RE = re.compile(MOBILE_PATTERN)
_MOBILE_NOISE_RE = re.compile(r"[\s\-()（）]")

# 统一社会信用代码 (GB 32100-2015): 18 characters from this alphabet, the last a check character.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_PATTERN = r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$"
_CREDIT_CODE_RE = re.compile(CREDIT_CODE_PATTERN)
_CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

WECOM_WEBHOOK_PATH = "/cgi-bin/webhook/send"


def normalize_mobile(value: str) -> str:
    """A mainland mobile as 11 digits: drops spaces, dashes, brackets and a +86/0086 prefix."""
    digits = _MOBILE_NOISE_RE.sub("", value or "")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def is_mobile(value: str) -> bool:
    return bool(_MOBILE_RE.match(normalize_mobile(value)))


def validate_mobile(value: str) -> None:
    if not _MOBILE_RE.match(value or ""):
        raise ValidationError(
            _("Enter a mainland mobile number of 11 digits starting with 1, e.g. 13812345678."),
            code="invalid_mobile",
        )


def mask_mobile(value: str) -> str:
    """138****1234: the form personal data takes wherever its owner's right to it is not shown."""
    if len(value) == 11:
        return f"{value[:3]}****{value[-4:]}"
    return "*" * len(value)


def credit_code_check_character(first_17: str) -> str:
    total = sum(
        CREDIT_CODE_ALPHABET.index(char) * weight
        for char, weight in zip(first_17, _CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    """An enterprise's unified social credit code: format and check character."""
    if (
        not _CREDIT_CODE_RE.match(value or "")
        or credit_code_check_character(value[:17]) != value[17]
    ):
        raise ValidationError(
            _("Enter a valid 18-character unified social credit code (统一社会信用代码)."),
            code="invalid_credit_code",
        )


def validate_wecom_webhook_url(value: str) -> None:
    """Only the WeCom group-robot endpoint on an allowed origin: the server will call this URL."""
    message = _(
        "Enter the WeCom group-robot webhook address, "
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…"
    )
    try:
        parts = urlsplit(value or "")
        origin = f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    except ValueError as error:  # a port that is not a number
        raise ValidationError(message, code="invalid_webhook") from error
    if (
        parts.username is not None
        or parts.password is not None
        or origin not in settings.WECOM_WEBHOOK_ORIGINS
        or parts.path != WECOM_WEBHOOK_PATH
        or parts.fragment
        or not parse_qs(parts.query).get("key", [""])[0]
    ):
        raise ValidationError(message, code="invalid_webhook")
