"""A password validator for the words of our own context (ASVS 6.1.2 / 6.2.11)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CONTEXT_WORDS = (
    "妇联",
    "巧妇",
    "七彩",
    "奉化",
    "fulian",
    "qiaofu",
    "qicai",
    "fenghua",
    "xiwu",
    "shangtian",
    "xikou",
    "jin'e",
    "jine",
)


class ContextWordValidator:
    """Refuses passwords that are little more than the federation's or a place's name."""

    def validate(self, password: str, user: object = None) -> None:
        lowered = password.lower()
        for word in CONTEXT_WORDS:
            rest = lowered.replace(word, "")
            if word in lowered and len(set(rest)) < 4:
                raise ValidationError(
                    _("This password is too close to the name of the federation or a place."),
                    code="password_context_word",
                )

    def get_help_text(self) -> str:
        return _("Your password cannot be mostly the name of the federation or a place.")
