"""URLs of accounts, and of the alliance's part of the seller and staff faces."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from alliance import views

account_patterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("2fa/", views.otp_view, name="otp"),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(success_url=reverse_lazy("password_change_done")),
        name="password_change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password/reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]

seller_patterns = [
    path("", views.seller_home, name="home"),
    path("notifications/", views.seller_notifications, name="notifications"),
    path("profile/", views.seller_profile, name="profile"),
    path("profile/photo/", views.seller_profile_photo, name="profile_photo"),
    path("profile/photo/remove/", views.seller_profile_photo_remove, name="profile_photo_remove"),
]

staff_patterns = [
    path("", views.staff_home, name="home"),
    path("members/", views.staff_members, name="members"),
]
