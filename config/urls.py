"""The site's URLs: admin, staff pages, seller dashboard, public pages, health check.

Each app lists its part of the seller and staff faces (seller_patterns, staff_patterns); they are
mounted here under one namespace per face, so `seller:home` and `staff:members` read the same
whichever app a page lives in.
"""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from alliance import urls as alliance_urls
from alliance import urls_federation as federation_urls
from alliance.reports import urls as reports_urls
from config import views
from courtyards import urls as courtyards_urls
from livestreams import urls as livestreams_urls
from livestreams import urls_aftersales as aftersales_urls
from livestreams import urls_desk as livestreams_desk_urls
from livestreams import urls_monitor as livestreams_monitor_urls
from livestreams import urls_settlement as settlement_urls
from products import urls as products_urls

seller_patterns = [
    *alliance_urls.seller_patterns,
    *products_urls.seller_patterns,
    *livestreams_desk_urls.seller_patterns,
    *livestreams_urls.seller_patterns,
    *federation_urls.seller_patterns,
    *reports_urls.seller_patterns,
    *aftersales_urls.seller_patterns,
    *settlement_urls.seller_patterns,
    *courtyards_urls.seller_patterns,
]
staff_patterns = [
    *alliance_urls.staff_patterns,
    *livestreams_monitor_urls.staff_patterns,
    *livestreams_urls.staff_patterns,
    *federation_urls.staff_patterns,
    *reports_urls.staff_patterns,
    *aftersales_urls.staff_patterns,
    *settlement_urls.staff_patterns,
    *courtyards_urls.staff_patterns,
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin's).
    path("favicon.ico", views.favicon),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include(alliance_urls.account_patterns)),
    path("seller/", include((seller_patterns, "seller"))),
    path("staff/", include((staff_patterns, "staff"))),
    path("admin/", admin.site.urls),
    path("api/", include("config.api_urls")),
    path("", include((courtyards_urls.public_patterns, "courtyards"))),  # /q/<token>, /c/<token>
    *federation_urls.public_patterns,  # /map/, /places/, /campaigns/, /backdrop/ …
]

if settings.DEBUG:
    # Uploaded photos under `make run`; in production the web server serves MEDIA_ROOT.
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Server errors under /api/ answer JSON like every other API error; elsewhere the 500 page.
handler500 = "config.api.server_error"
