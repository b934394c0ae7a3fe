"""QR tokens are unguessable (RELIABILITY.md §3.7, test S10)."""

import math
import secrets

import pytest

from courtyards import tokens
from courtyards.models import QrCode
from courtyards.services import courtyards as services

pytestmark = pytest.mark.django_db


def test_a_token_carries_at_least_128_random_bits_by_construction():
    assert len(tokens.ALPHABET) == 32 and len(set(tokens.ALPHABET)) == 32
    assert tokens.LENGTH * math.log2(len(tokens.ALPHABET)) >= 128
    token = tokens.new_token()
    assert len(token) == 26 and set(token) <= set(tokens.ALPHABET)


def test_ten_thousand_tokens_never_collide():
    assert len({tokens.new_token() for _ in range(10_000)}) == 10_000


def test_a_token_is_read_the_forgiving_crockford_way():
    token = tokens.new_token()
    assert tokens.normalize_token(token.lower()) == token
    assert tokens.normalize_token("oIl" + token[3:]) == "011" + token[3:]
    assert tokens.normalize_token(f" {token[:13]}-{token[13:]} ") == token
    for bad in ("", "short", token + "X", token[:-1] + "U", token[:-1] + "!", "Q" * 200):
        assert tokens.normalize_token(bad) is None


def test_a_hundred_thousand_guesses_find_no_code(piece, courtyard):
    for number in range(200):
        services.add_item(courtyard=courtyard, name=f"盆景{number}", price=1)
    known = set(QrCode.objects.values_list("token", flat=True))
    assert len(known) == 201
    hits = 0
    for _batch in range(100):
        guesses = ["".join(secrets.choice(tokens.ALPHABET) for _ in range(26)) for _ in range(1000)]
        hits += QrCode.objects.filter(token__in=guesses).count()
    assert hits == 0
