"""URLs of the federation's work: public pages (site root), staff pages, seller pages.

config/urls.py mounts public_patterns at the root, staff_patterns under /staff/ and
seller_patterns under /seller/.
"""

from django.urls import path, register_converter

from alliance import views_federation, views_public, views_training


class TokenConverter:
    """A backdrop's secret: URL-safe base64 of 32 bytes (43 characters); anything else 404s."""

    regex = r"[A-Za-z0-9_-]{32,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TokenConverter, "token")

public_patterns = [
    path("map/", views_public.map_page, name="map"),
    path("map/collection.pdf", views_public.collection_pdf, name="map_collection"),
    path("places/<slug:slug>/", views_public.place_page, name="place"),
    path("products/<int:pk>/", views_public.product_page, name="public_product"),
    path("campaigns/<slug:slug>/", views_public.campaign_page, name="campaign"),
    path("backdrop/<token:token>/", views_public.backdrop_page, name="backdrop"),
    path("backdrop/<token:token>/state.json", views_public.backdrop_state, name="backdrop_state"),
]

staff_patterns = [
    path("backdrops/", views_federation.staff_backdrops, name="backdrops"),
    path("sessions/<int:session_id>/backdrop/", views_federation.staff_backdrop, name="backdrop"),
    path(
        "sessions/<int:session_id>/backdrop/renew/",
        views_federation.staff_backdrop_renew,
        name="backdrop_renew",
    ),
    path("campaigns/", views_federation.staff_campaigns, name="campaigns"),
    path("campaigns/<int:campaign_id>/", views_federation.staff_campaign, name="campaign"),
    path("training/", views_training.staff_courses, name="courses"),
    path("training/<int:course_id>/", views_training.staff_course, name="course"),
    path("training/<int:course_id>/enrol/", views_training.staff_course_enrol, name="course_enrol"),
    path(
        "training/<int:course_id>/certificates/",
        views_training.staff_course_certificates,
        name="course_certificates",
    ),
    path(
        "training/sessions/<int:session_id>/roll/",
        views_training.staff_session_roll,
        name="session_roll",
    ),
    path(
        "training/certificates/<int:certificate_id>.pdf",
        views_training.staff_certificate,
        name="certificate",
    ),
]

seller_patterns = [
    path("backdrops/", views_federation.seller_backdrops, name="backdrops"),
    path("sessions/<int:session_id>/backdrop/", views_federation.seller_backdrop, name="backdrop"),
    path("learning/", views_training.seller_learning, name="learning"),
    path(
        "learning/certificates/<int:certificate_id>.pdf",
        views_training.seller_certificate,
        name="certificate",
    ),
]
