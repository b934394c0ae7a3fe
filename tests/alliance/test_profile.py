"""A seller's public profile: she edits her story and photo; her name stays the federation's."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from alliance import services
from alliance.models import Member
from tests.conftest import logged_in_client
from tests.factories import EnterpriseFactory, StaffUserFactory, jpeg_bytes

pytestmark = pytest.mark.django_db

NOT_A_PHOTO = "This is not a photo we can use. Please upload a JPEG, PNG or WebP image."
TOO_LARGE = "The photo is larger than 10 MB. Please choose a smaller one."
PROFILE_URLS = ["/seller/profile/", "/seller/profile/photo/", "/seller/profile/photo/remove/"]


@pytest.fixture
def in_english(seller_client, english) -> None:
    seller_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def english_errors(form) -> dict[str, list[str]]:
    with translation.override("en"):
        return {field: [str(error) for error in errors] for field, errors in form.errors.items()}


def jpeg_with_location() -> SimpleUploadedFile:
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (29.0, 35.0, 10.0), 3: "E", 4: (121.0, 24.0, 30.0)}
    buffer = io.BytesIO()
    Image.new("RGB", (900, 1200), "#2a7").save(buffer, format="JPEG", exif=exif)
    return SimpleUploadedFile("me.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_the_profile_page_shows_what_shoppers_see_and_never_her_mobile(seller, seller_client):
    seller.story = "我在尚田种草莓十年了。"
    seller.save()
    response = seller_client.get("/seller/profile/")
    assert response.status_code == 200
    body = response.content.decode()
    assert seller.name in body
    assert "我在尚田种草莓十年了。" in body
    assert str(seller.village) in body
    assert seller.mobile not in body
    assert 'enctype="multipart/form-data"' in body


def test_the_preview_names_her_enterprises_as_the_mini_program_does(seller, seller_client):
    EnterpriseFactory(owner=seller, name="尚田小莓园")
    EnterpriseFactory(owner=seller, name="关掉的铺子", is_active=False)
    body = seller_client.get("/seller/profile/").content.decode()
    assert "尚田小莓园" in body
    assert "关掉的铺子" not in body


def test_the_mini_program_shows_her_new_story_and_photo_at_once(
    seller, seller_client, client, django_capture_on_commit_callbacks
):
    url = f"/api/v1/sellers/{seller.pk}/"
    assert client.get(url).json()["story"] == ""  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        seller_client.post("/seller/profile/", {"story": "新故事"})
        seller_client.post("/seller/profile/photo/", {"photo": jpeg_with_location()})
    seller.refresh_from_db()
    data = client.get(url).json()
    assert data["story"] == "新故事"
    assert data["photo"].endswith(seller.photo.url)
    assert seller.mobile not in str(data)


def test_a_seller_saves_her_story(seller, seller_client):
    response = seller_client.post("/seller/profile/", {"story": "  从城里回到溪口，做千层饼。 \n"})
    assert response.status_code == 302
    assert response["Location"] == "/seller/profile/"
    seller.refresh_from_db()
    assert seller.story == "从城里回到溪口，做千层饼。"
    assert "从城里回到溪口，做千层饼。" in seller_client.get("/seller/profile/").content.decode()


def test_saving_the_same_story_again_writes_nothing(seller):
    services.update_member_story(member=seller, story="同一个故事")
    before = Member.objects.get(pk=seller.pk).updated_at
    services.update_member_story(member=seller, story="同一个故事 ")
    assert Member.objects.get(pk=seller.pk).updated_at == before


def test_a_story_may_be_emptied(seller, seller_client):
    services.update_member_story(member=seller, story="旧故事")
    seller_client.post("/seller/profile/", {"story": ""})
    seller.refresh_from_db()
    assert seller.story == ""


@pytest.mark.usefixtures("in_english")
def test_a_story_that_is_too_long_is_refused_next_to_the_field(seller, seller_client):
    response = seller_client.post("/seller/profile/", {"story": "长" * 2001})
    assert response.status_code == 200
    assert english_errors(response.context["story_form"]) == {
        "story": ["Ensure this value has at most 2000 characters (it has 2001)."]
    }
    seller.refresh_from_db()
    assert seller.story == ""


def test_her_name_and_mobile_cannot_be_changed_here(seller, seller_client):
    name, mobile = seller.name, seller.mobile
    seller_client.post(
        "/seller/profile/", {"story": "新故事", "name": "改名", "mobile": "13999999999"}
    )
    seller.refresh_from_db()
    assert (seller.name, seller.mobile, seller.story) == (name, mobile, "新故事")


def test_a_seller_uploads_her_photo_without_its_location(seller, seller_client):
    response = seller_client.post("/seller/profile/photo/", {"photo": jpeg_with_location()})
    assert response.status_code == 302
    assert response["Location"] == "/seller/profile/"
    seller.refresh_from_db()
    stored = Image.open(seller.photo.path)
    assert stored.format == "JPEG"
    assert len(stored.getexif()) == 0
    assert max(stored.size) <= 600
    assert seller.photo.url in seller_client.get("/seller/profile/").content.decode()


def test_a_new_photo_replaces_the_old_file(
    seller, seller_client, django_capture_on_commit_callbacks
):
    seller_client.post("/seller/profile/photo/", {"photo": jpeg_with_location()})
    seller.refresh_from_db()
    old = Path(seller.photo.path)
    upload = SimpleUploadedFile("new.jpg", jpeg_bytes(), content_type="image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        seller_client.post("/seller/profile/photo/", {"photo": upload})
    seller.refresh_from_db()
    assert Path(seller.photo.path).exists()
    assert not old.exists()


@pytest.mark.usefixtures("in_english")
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a not really", NOT_A_PHOTO),
        (b"\xff\xd8" + b"0" * (10 * 1024 * 1024), TOO_LARGE),
        (b"", "The file is empty."),
    ],
    ids=["not-an-image", "too-large", "empty"],
)
def test_a_refused_photo_is_explained_in_the_form(seller, seller_client, data, message):
    upload = SimpleUploadedFile("photo.jpg", data, content_type="image/jpeg")
    response = seller_client.post("/seller/profile/photo/", {"photo": upload})
    assert response.status_code == 200
    assert english_errors(response.context["photo_form"]) == {"photo": [message]}
    assert message in response.content.decode()
    seller.refresh_from_db()
    assert not seller.photo


@pytest.mark.usefixtures("in_english")
def test_uploading_without_a_photo_says_so(seller_client):
    response = seller_client.post("/seller/profile/photo/", {})
    assert english_errors(response.context["photo_form"]) == {"photo": ["Choose a photo first."]}


def test_the_refusal_reads_in_chinese_by_default(seller_client):
    upload = SimpleUploadedFile("photo.jpg", jpeg_bytes()[:2000], content_type="image/jpeg")
    response = seller_client.post("/seller/profile/photo/", {"photo": upload})
    body = response.content.decode()
    assert "照片已损坏或不完整，请重新拍摄或选择。" in body


def test_a_seller_removes_her_photo(seller, seller_client, django_capture_on_commit_callbacks):
    seller_client.post("/seller/profile/photo/", {"photo": jpeg_with_location()})
    seller.refresh_from_db()
    path = Path(seller.photo.path)
    body = seller_client.get("/seller/profile/").content.decode()
    assert 'action="/seller/profile/photo/remove/"' in body
    assert "data-confirm=" in body
    with django_capture_on_commit_callbacks(execute=True):
        response = seller_client.post("/seller/profile/photo/remove/")
    assert response["Location"] == "/seller/profile/"
    seller.refresh_from_db()
    assert not seller.photo
    assert not path.exists()
    assert (
        'action="/seller/profile/photo/remove/"'
        not in seller_client.get("/seller/profile/").content.decode()
    )


@pytest.mark.parametrize("url", PROFILE_URLS[1:])
def test_photo_actions_only_answer_post(seller_client, url):
    assert seller_client.get(url).status_code == 405


@pytest.mark.parametrize("url", PROFILE_URLS)
def test_anonymous_visitors_are_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("url", PROFILE_URLS)
def test_staff_without_a_membership_are_refused(url):
    client = logged_in_client(StaffUserFactory())
    assert client.get(url).status_code == 403
    assert client.post(url, {"story": "x"}).status_code == 403


def test_a_seller_changes_only_her_own_profile(seller, other_seller, seller_client):
    seller_client.post("/seller/profile/", {"story": "我的", "member": other_seller.pk})
    seller_client.post(
        "/seller/profile/photo/", {"photo": jpeg_with_location(), "member": other_seller.pk}
    )
    other_seller.refresh_from_db()
    assert other_seller.story == "" and not other_seller.photo
    seller.refresh_from_db()
    assert seller.story == "我的" and seller.photo


@pytest.mark.usefixtures("in_english")
def test_the_profile_page_is_english_with_the_switch(seller_client):
    body = seller_client.get("/seller/profile/").content.decode()
    assert "<h1>My public profile</h1>" in body
    assert "What shoppers see" in body
