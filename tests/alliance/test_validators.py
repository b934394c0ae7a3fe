"""Mobile numbers, credit codes and webhook addresses as people type them."""

import pytest
from django.core.exceptions import ValidationError

from alliance.demo import credit_code
from alliance.validators import (
    credit_code_check_character,
    mask_mobile,
    normalize_mobile,
    validate_credit_code,
    validate_mobile,
    validate_wecom_webhook_url,
)

pytestmark = pytest.mark.usefixtures("english")


@pytest.mark.parametrize(
    ("typed", "normalized"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("0086-13812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        (" (138)12345678 ", "13812345678"),
    ],
)
def test_typed_mobiles_are_normalized(typed, normalized):
    assert normalize_mobile(typed) == normalized


@pytest.mark.parametrize("value", ["", "1381234567", "23812345678", "1381234567x", "12812345678"])
def test_invalid_mobiles_are_refused_with_a_clear_message(value):
    with pytest.raises(ValidationError, match="11 digits"):
        validate_mobile(value)


def test_mobiles_are_masked_in_the_middle():
    assert mask_mobile("13812341234") == "138****1234"


def test_a_generated_credit_code_passes_its_check():
    validate_credit_code(credit_code("330283", 1))


@pytest.mark.parametrize(
    "code",
    ["", "91330283MA2000010", "91330283MA200001XZ", "91330283MA200001X!", "io330283MA200001X0"],
)
def test_malformed_credit_codes_are_refused(code):
    with pytest.raises(ValidationError):
        validate_credit_code(code)


@pytest.mark.parametrize(
    # Published codes of two well-known companies (Tencent Computer Systems, Alibaba China).
    "code",
    ["91440300708461136T", "91330100716105852F"],
)
def test_published_credit_codes_pass_the_check(code):
    assert credit_code_check_character(code[:17]) == code[17]
    validate_credit_code(code)


GOOD_WEBHOOK = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693axxx6-7aoc-4bc4-97a0"


def test_the_wecom_webhook_address_is_accepted():
    validate_wecom_webhook_url(GOOD_WEBHOOK)


@pytest.mark.parametrize(
    "url",
    [
        "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc",  # not https
        "https://evil.example.com/cgi-bin/webhook/send?key=abc",  # other host
        "https://qyapi.weixin.qq.com.evil.example/cgi-bin/webhook/send?key=abc",
        "https://127.0.0.1/cgi-bin/webhook/send?key=abc",  # IP literal
        "https://169.254.169.254/cgi-bin/webhook/send?key=abc",
        "https://user:pass@qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc",  # userinfo
        "https://qyapi.weixin.qq.com@127.0.0.1/cgi-bin/webhook/send?key=abc",
        "https://qyapi.weixin.qq.com:8443/cgi-bin/webhook/send?key=abc",  # other port
        "https://qyapi.weixin.qq.com:abc/cgi-bin/webhook/send?key=abc",  # bad port
        "https://qyapi.weixin.qq.com/cgi-bin/other?key=abc",  # other path
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send",  # no key
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=",
        "javascript:alert(1)",
        "",
    ],
)
def test_other_webhook_addresses_are_refused(url):
    with pytest.raises(ValidationError, match="WeCom"):
        validate_wecom_webhook_url(url)


def test_the_allowed_webhook_origins_come_from_settings(settings):
    settings.WECOM_WEBHOOK_ORIGINS = ["http://127.0.0.1:8099"]
    validate_wecom_webhook_url("http://127.0.0.1:8099/cgi-bin/webhook/send?key=k")
    with pytest.raises(ValidationError):
        validate_wecom_webhook_url(GOOD_WEBHOOK)
