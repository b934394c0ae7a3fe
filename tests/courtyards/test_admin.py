"""The admin pages of the courtyards: every list and change page opens for staff, with a
constant number of queries, and statuses and codes change only through the services."""

from decimal import Decimal

import pytest
from django.contrib.admin.sites import site
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courtyards.models import CourtyardItem, ItemStatus, QrCode
from courtyards.services import courtyards as services
from tests.conftest import logged_in_client
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db

MODELS = [model for model in site._registry if model._meta.app_label == "courtyards"]


@pytest.fixture
def admin_client(db):
    staff = StaffUserFactory(is_superuser=True)
    return logged_in_client(staff)


def changelist(model) -> str:
    return f"/admin/courtyards/{model._meta.model_name}/"


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200, url
    return len(context)


def test_every_courtyard_list_opens_with_constant_queries(admin_client, piece, design, courtyard):
    few = {model: queries(admin_client, changelist(model)) for model in MODELS}
    for number in range(12):
        item = services.add_item(courtyard=courtyard, name=f"盆景{number}", price=Decimal(10))
        services.rotate_qr_code(item=item)
    for model in MODELS:
        assert queries(admin_client, changelist(model)) == few[model], model


def test_the_change_pages_open(admin_client, piece, design):
    for thing in (piece, design, piece.courtyard, piece.qr_codes.get()):
        url = f"{changelist(type(thing))}{thing.pk}/change/"
        assert admin_client.get(url).status_code == 200, url


def test_status_and_code_actions_go_through_the_services(admin_client, piece):
    url = changelist(CourtyardItem)
    admin_client.post(url, {"action": "mark_sold", "_selected_action": [piece.pk]})
    piece.refresh_from_db()
    assert piece.status == ItemStatus.SOLD and piece.events.count() == 1
    old = piece.qr_codes.get().token
    admin_client.post(url, {"action": "issue_new_code", "_selected_action": [piece.pk]})
    assert QrCode.objects.get(token=old).retired_at is not None
    assert piece.qr_codes.filter(retired_at__isnull=True).count() == 1


def test_a_piece_added_in_the_admin_gets_its_code(admin_client, courtyard):
    response = admin_client.post(
        "/admin/courtyards/courtyarditem/add/",
        {"courtyard": courtyard.pk, "name": "罗汉松", "description": "", "price": "398",
         "position": "0", "qr_codes-TOTAL_FORMS": "0", "qr_codes-INITIAL_FORMS": "0"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    item = CourtyardItem.objects.get(name="罗汉松")
    assert item.qr_codes.count() == 1 and item.price == Decimal("398.00")
