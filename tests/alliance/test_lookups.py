"""`field__any_of`: the same rows as `field__in`, with the list as one parameter on PostgreSQL."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance.models import Member
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_any_of_finds_what_in_finds():
    members = MemberFactory.create_batch(5)
    wanted = [members[0].pk, members[3].pk, 987654321]
    assert sorted(Member.objects.filter(pk__any_of=wanted).values_list("pk", flat=True)) == sorted(
        Member.objects.filter(pk__in=wanted).values_list("pk", flat=True)
    )
    assert list(Member.objects.filter(pk__any_of=[])) == []
    assert Member.objects.exclude(pk__any_of=wanted).count() == 3
    # Related fields too, with ids given as strings as a form would.
    village = members[1].village
    assert list(
        Member.objects.filter(village_id__any_of=[str(village.pk)]).values_list("pk", flat=True)
    ) == list(Member.objects.filter(village=village).values_list("pk", flat=True))
    # Text fields keep their values as text (ids of whole numbers go as one array literal).
    mobiles = [members[2].mobile, "13800000000"]
    assert list(Member.objects.filter(mobile__any_of=mobiles).values_list("pk", flat=True)) == [
        members[2].pk
    ]


def test_a_long_list_is_one_parameter_on_postgresql():
    ids = list(range(1, 20001))
    with CaptureQueriesContext(connection) as queries:
        assert Member.objects.filter(pk__any_of=ids).count() == 0
    sql = queries.captured_queries[-1]["sql"]
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql and "20000" in sql and sql.count(",") < 20000 + 10
    else:
        assert " IN (" in sql
