"""URLs of the livestream base's staff pages (imports, unmatched lines, orders, sessions) and of
the streamer's sessions on the seller dashboard; config/urls.py mounts them as `staff:` and
`seller:`.
"""

from django.urls import path

from livestreams import views

staff_patterns = [
    path("imports/", views.imports, name="imports"),
    path("imports/<int:pk>/", views.import_page, name="import"),
    path("imports/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("imports/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("imports/<int:pk>/file/", views.import_file, name="import_file"),
    path(
        "imports/<int:pk>/file/companion/",
        views.import_file,
        {"companion": True},
        name="import_companion_file",
    ),
    path("orders/unmatched/", views.unmatched, name="unmatched"),
    path("orders/unmatched/<int:line_id>/", views.unmatched_group, name="unmatched_group"),
    path("orders/<int:pk>/", views.order_page, name="order"),
    path("orders/<int:pk>/attribution/", views.order_attribution, name="order_attribution"),
    path("sessions/", views.sessions_week, name="sessions"),
    path("sessions/new/", views.session_new, name="session_new"),
    path("sessions/<int:pk>/", views.session_edit, name="session"),
    path("sessions/<int:pk>/status/", views.session_status, name="session_status"),
]

seller_patterns = [
    path("sessions/", views.my_sessions, name="sessions"),
    path("sessions/<int:pk>/", views.my_session, name="session"),
]
