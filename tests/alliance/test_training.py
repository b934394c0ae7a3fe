"""Training courses, attendance, completion, certificates; contests and awards; their pages."""

import re
import subprocess
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from alliance.federation import training
from alliance.models import Attendance, Certificate, Enrolment
from tests.alliance.federation_factories import (
    AwardFactory,
    ContestEntryFactory,
    CourseFactory,
    CourseSessionFactory,
    EnrolmentFactory,
)
from tests.conftest import logged_in_client
from tests.factories import MemberFactory, SellerFactory, VillageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def course():
    """Three sessions of 4 hours; 8 hours complete it."""
    course = CourseFactory(required_hours=Decimal("8.0"))
    CourseSessionFactory.create_batch(3, course=course)
    return course


def sessions(course):
    return list(course.sessions.order_by("starts_at"))


# --- Enrolment --------------------------------------------------------------------------------


def test_enrolling_a_member_twice_returns_the_same_enrolment(course):
    member = MemberFactory()
    first = training.enrol_member(course=course, member=member)
    assert training.enrol_member(course=course, member=member) == first
    assert course.enrolments.count() == 1


def test_a_woman_who_is_not_a_member_is_enrolled_by_name_mobile_and_village(course):
    village = VillageFactory()
    enrolment = training.enrol_woman(
        course=course, name=" 胡秀娟 ", mobile="139 5780 0001", village=village
    )
    assert (enrolment.member, enrolment.name, enrolment.mobile, enrolment.village) == (
        None,
        "胡秀娟",
        "13957800001",
        village,
    )
    again = training.enrol_woman(course=course, name="胡秀娟", mobile="13957800001", village=None)
    assert again == enrolment


def test_a_members_mobile_enrols_the_member_herself(course):
    member = MemberFactory(mobile="13911112222")
    enrolment = training.enrol_woman(course=course, name="", mobile="13911112222", village=None)
    assert enrolment.member == member and enrolment.name == "" and enrolment.mobile == ""


def test_a_mobile_that_is_not_a_mainland_mobile_is_refused(course, english):
    with pytest.raises(ValidationError, match="11 digits"):
        training.enrol_woman(course=course, name="胡秀娟", mobile="0574-8888", village=None)


def test_a_full_course_refuses_one_more(english):
    course = CourseFactory()
    CourseSessionFactory(course=course, capacity=5)
    CourseSessionFactory(course=course, capacity=2)  # the smallest room decides
    training.enrol_member(course=course, member=MemberFactory())
    training.enrol_member(course=course, member=MemberFactory())
    with pytest.raises(ValidationError, match="full"):
        training.enrol_member(course=course, member=MemberFactory())


def test_a_closed_course_refuses_enrolment(english):
    course = CourseFactory(is_open=False)
    with pytest.raises(ValidationError, match="not open"):
        training.enrol_member(course=course, member=MemberFactory())


def test_the_database_refuses_an_enrolment_without_a_person(course):
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(course=course)


# --- Attendance, hours and completion -------------------------------------------------------------


def test_the_roll_records_present_and_absent_and_hours_add_up(course, staff_user):
    first, second, _third = sessions(course)
    here, away = EnrolmentFactory(course=course), EnrolmentFactory(course=course)
    training.record_attendance(session=first, present={here.pk, away.pk}, actor=staff_user)
    training.record_attendance(session=second, present={here.pk}, actor=staff_user)
    assert Attendance.objects.filter(session=second, is_present=False).get().enrolment == away
    assert training.attended_hours(here) == Decimal("8.0")
    assert training.attended_hours(away) == Decimal("4.0")
    assert training.has_completed(here) and not training.has_completed(away)


def test_taking_the_same_roll_again_changes_nothing(course, staff_user):
    session = sessions(course)[0]
    enrolment = EnrolmentFactory(course=course)
    training.record_attendance(session=session, present={enrolment.pk}, actor=staff_user)
    result = training.record_attendance(session=session, present={enrolment.pk}, actor=None)
    assert result["changed"] == 0
    assert Attendance.objects.get().recorded_by == staff_user


def test_a_roll_with_someone_not_enrolled_is_refused(course):
    stranger = EnrolmentFactory()  # another course's
    with pytest.raises(ValidationError):
        training.record_attendance(session=sessions(course)[0], present={stranger.pk}, actor=None)
    assert not Attendance.objects.exists()


# --- Certificates ---------------------------------------------------------------------------------


def attend(course, enrolment, count):
    for session in sessions(course)[:count]:
        present = set(
            session.attendances.filter(is_present=True).values_list("enrolment", flat=True)
        )
        training.record_attendance(session=session, present=present | {enrolment.pk}, actor=None)


def test_a_certificate_is_refused_before_completion_and_issued_once_after(course, english):
    enrolment = EnrolmentFactory(course=course)
    attend(course, enrolment, 1)
    with pytest.raises(ValidationError, match=r"4\.0 of the 8\.0 hours"):
        training.issue_certificate(enrolment=enrolment, actor=None)
    attend(course, enrolment, 2)
    certificate = training.issue_certificate(enrolment=enrolment, actor=None)
    assert certificate.hours == Decimal("8.0")
    assert training.issue_certificate(enrolment=enrolment, actor=None) == certificate
    assert Certificate.objects.count() == 1


def test_issuing_for_a_course_certifies_exactly_those_who_completed(course):
    done, almost = EnrolmentFactory(course=course), EnrolmentFactory(course=course)
    attend(course, done, 3)
    attend(course, almost, 1)
    assert training.issue_certificates(course=course, actor=None) == 1
    assert training.issue_certificates(course=course, actor=None) == 0
    assert list(Certificate.objects.values_list("enrolment", flat=True)) == [done.pk]


def pdf_text(content: bytes, tmp_path) -> str:
    (tmp_path / "c.pdf").write_bytes(content)
    fonts = subprocess.run(
        ["pdffonts", "c.pdf"], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout
    assert re.search(r"WenQuanYiMicroHei\S*\s+TrueType\s+\S+\s+yes", fonts), fonts
    subprocess.run(["pdftoppm", "-r", "50", "-png", "c.pdf", "c"], cwd=tmp_path, check=True)
    assert list(tmp_path.glob("c-*.png"))
    return subprocess.run(
        ["pdftotext", "c.pdf", "-"], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout


def test_she_downloads_her_certificate_and_not_anyone_elses(course, tmp_path):
    seller = SellerFactory(name="宋小赞")
    mine = EnrolmentFactory(course=course, member=seller)
    theirs = EnrolmentFactory(course=course)
    for enrolment in (mine, theirs):
        attend(course, enrolment, 2)
    training.issue_certificates(course=course, actor=None)
    client = logged_in_client(seller.user)
    certificate = Certificate.objects.get(enrolment=mine)
    response = client.get(f"/seller/learning/certificates/{certificate.pk}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    assert "宋小赞" in text and course.title in text and certificate.number in text
    other = Certificate.objects.get(enrolment=theirs)
    assert client.get(f"/seller/learning/certificates/{other.pk}.pdf").status_code == 404


def test_staff_download_any_certificate(course, staff_client, tmp_path):
    enrolment = EnrolmentFactory(course=course, member=None, name="胡秀娟", mobile="13957800001")
    attend(course, enrolment, 3)
    certificate = training.issue_certificate(enrolment=enrolment, actor=None)
    response = staff_client.get(f"/staff/training/certificates/{certificate.pk}.pdf")
    assert "胡秀娟" in pdf_text(response.content, tmp_path)


# --- Her page: my courses, certificates and awards ------------------------------------------------


def test_her_page_shows_her_courses_certificates_and_awards(course):
    seller = SellerFactory(is_streamer=True)
    enrolment = EnrolmentFactory(course=course, member=seller)
    attend(course, enrolment, 3)
    training.issue_certificates(course=course, actor=None)
    AwardFactory(entry=ContestEntryFactory(member=seller, contest__name="浙江省首届巾帼村播大赛"))
    body = logged_in_client(seller.user).get("/seller/learning/").content.decode()
    assert course.title in body and "12.0" in body
    assert Certificate.objects.get().number in body
    assert "优秀奖" in body and "浙江省首届巾帼村播大赛" in body


def test_what_she_did_before_she_joined_is_hers_too(course):
    early = EnrolmentFactory(course=course, member=None, name="胡秀娟", mobile="13957800001")
    attend(course, early, 2)
    training.issue_certificates(course=course, actor=None)
    seller = SellerFactory(name="胡秀娟", mobile="13957800001")
    body = logged_in_client(seller.user).get("/seller/learning/").content.decode()
    assert course.title in body and Certificate.objects.get().number in body


def test_her_page_has_empty_states(seller_client):
    body = seller_client.get("/seller/learning/").content.decode()
    assert body.count('class="empty"') == 3


@pytest.mark.parametrize("count", [1, 8])
def test_her_page_takes_the_same_queries(count, django_assert_num_queries):
    seller = SellerFactory()
    for _ in range(count):
        course = CourseFactory()
        CourseSessionFactory(course=course)
        enrolment = EnrolmentFactory(course=course, member=seller)
        attend(course, enrolment, 1)
        AwardFactory(entry=ContestEntryFactory(member=seller))
    client = logged_in_client(seller.user)
    # her session, login and member; the courses' count and page; the certificates' count
    # (none, so no page); the awards' count and page
    with django_assert_num_queries(8):
        assert client.get("/seller/learning/").status_code == 200


# --- Staff pages ----------------------------------------------------------------------------------


def test_staff_take_the_roll_on_a_phone_page(course, staff_client):
    session = sessions(course)[0]
    here, away = EnrolmentFactory(course=course), EnrolmentFactory(course=course)
    url = f"/staff/training/sessions/{session.pk}/roll/"
    body = staff_client.get(url).content.decode()
    assert f'value="{here.pk}"' in body and here.member.name in body
    response = staff_client.post(url, {"present": [here.pk]})
    assert response.status_code == 302
    assert set(session.attendances.filter(is_present=True).values_list("enrolment", flat=True)) == {
        here.pk
    }
    assert session.attendances.get(enrolment=away).is_present is False


def test_a_roll_with_a_stranger_is_refused_on_the_page(course, staff_client):
    session = sessions(course)[0]
    response = staff_client.post(f"/staff/training/sessions/{session.pk}/roll/", {"present": ["x"]})
    assert response.status_code == 200
    assert not Attendance.objects.exists()


def test_staff_enrol_a_woman_and_see_errors_beside_the_fields(course, staff_client):
    url = f"/staff/training/{course.pk}/enrol/"
    response = staff_client.post(url, {"mobile": "13957800009", "name": ""})
    assert response.status_code == 200
    assert not course.enrolments.exists()
    response = staff_client.post(url, {"mobile": "12345", "name": "某某"})
    assert response.status_code == 200 and "has-error" in response.content.decode()
    response = staff_client.post(url, {"mobile": "13957800009", "name": "俞美芬"})
    assert response.status_code == 302
    assert course.enrolments.get().name == "俞美芬"


def test_the_course_page_shows_mobiles_to_staff_and_issues_certificates(course, staff_client):
    enrolment = EnrolmentFactory(course=course, member=None, name="胡秀娟", mobile="13957800001")
    attend(course, enrolment, 2)
    body = staff_client.get(f"/staff/training/{course.pk}/").content.decode()
    assert "13957800001" in body and "8.0 / 8.0" in body
    staff_client.post(f"/staff/training/{course.pk}/certificates/")
    assert Certificate.objects.filter(enrolment=enrolment).exists()


def test_sellers_and_strangers_are_kept_out_of_the_staff_training_pages(course, seller_client):
    urls = [
        "/staff/training/",
        f"/staff/training/{course.pk}/",
        f"/staff/training/sessions/{sessions(course)[0].pk}/roll/",
    ]
    for url in urls:
        assert seller_client.get(url).status_code == 403
        assert Client().get(url).status_code == 302


@pytest.mark.parametrize("count", [1, 20])
def test_the_staff_training_pages_take_the_same_queries(
    count, staff_client, django_assert_num_queries
):
    course = CourseFactory()
    session = CourseSessionFactory(course=course, capacity=50)
    for member in MemberFactory.create_batch(count):
        training.enrol_member(course=course, member=member)
    CourseFactory.create_batch(count)
    with django_assert_num_queries(6):  # the staff login (4), the count, the page
        staff_client.get("/staff/training/")
    # the staff login (4), the course, sessions, capacity, enrolment count and page, and the
    # villages of the enrolment form
    with django_assert_num_queries(10):
        staff_client.get(f"/staff/training/{course.pk}/")
    with django_assert_num_queries(7):  # the staff login (4), the session, present, the roll
        staff_client.get(f"/staff/training/sessions/{session.pk}/roll/")
