"""URLs of the courtyards, mounted by config/urls.py: public pages at the root (the short QR
address /q/<token> among them, namespace "courtyards"), the seller and staff faces under theirs."""

from django.urls import path, re_path

from courtyards.views import designer, public, seller, staff

CODE = r"(?P<token>[0-9A-Za-z-]{26,34})"

public_patterns = [
    # What a printed code holds is upper case (QR alphanumeric mode): /Q/ is /q/.
    re_path(rf"^[qQ]/{CODE}$", public.scan, name="scan"),
    re_path(rf"^q/{CODE}/buy$", public.buy, name="buy"),
    re_path(rf"^q/{CODE}/estimate$", public.estimate, name="estimate"),
    re_path(rf"^q/{CODE}/book$", public.book, name="book"),
    path("q/language", public.language, name="language"),
    path("q/receipt/<str:receipt>", public.receipt, name="receipt"),
    path("q/visit/<str:access>", public.visit, name="visit"),
    re_path(rf"^c/{CODE}$", public.courtyard_page, name="courtyard"),
]

seller_patterns = [
    path("courtyards/", seller.courtyard_list, name="courtyards"),
    path("courtyards/new/", seller.courtyard_add, name="courtyard_add"),
    path("courtyards/figures/", seller.figures, name="courtyard_figures"),
    path("courtyards/<int:courtyard_id>/", seller.courtyard_detail, name="courtyard"),
    path("courtyards/<int:courtyard_id>/photos/", seller.courtyard_photos, name="courtyard_photos"),
    path(
        "courtyards/<int:courtyard_id>/photos/<int:photo_id>/remove/",
        seller.courtyard_photo_remove,
        name="courtyard_photo_remove",
    ),
    path("courtyards/<int:courtyard_id>/labels.pdf", seller.labels_pdf, name="courtyard_labels"),
    path("courtyards/<int:courtyard_id>/pieces/new/", seller.item_add, name="courtyard_item_add"),
    path(
        "courtyards/<int:courtyard_id>/designs/new/",
        seller.design_add,
        name="courtyard_design_add",
    ),
    path("courtyards/pieces/<int:item_id>/", seller.item_detail, name="courtyard_item"),
    path(
        "courtyards/pieces/<int:item_id>/status/",
        seller.item_status,
        name="courtyard_item_status",
    ),
    path(
        "courtyards/pieces/<int:item_id>/photos/",
        seller.item_photos,
        name="courtyard_item_photos",
    ),
    path(
        "courtyards/pieces/<int:item_id>/photos/<int:photo_id>/remove/",
        seller.item_photo_remove,
        name="courtyard_item_photo_remove",
    ),
    path(
        "courtyards/pieces/<int:item_id>/new-code/",
        seller.item_rotate,
        name="courtyard_item_rotate",
    ),
    re_path(
        r"^courtyards/pieces/(?P<item_id>[0-9]+)/code\.(?P<fmt>png|svg)$",
        seller.item_code,
        name="courtyard_item_code",
    ),
    path("courtyards/designs/<int:design_id>/", seller.design_detail, name="courtyard_design"),
    path(
        "courtyards/designs/<int:design_id>/photos/",
        seller.design_photos,
        name="courtyard_design_photos",
    ),
    path(
        "courtyards/designs/<int:design_id>/photos/<int:photo_id>/remove/",
        seller.design_photo_remove,
        name="courtyard_design_photo_remove",
    ),
    path(
        "courtyards/designs/<int:design_id>/new-code/",
        seller.design_rotate,
        name="courtyard_design_rotate",
    ),
    re_path(
        r"^courtyards/designs/(?P<design_id>[0-9]+)/code\.(?P<fmt>png|svg)$",
        seller.design_code,
        name="courtyard_design_code",
    ),
    path("bookings/", designer.bookings, name="courtyard_bookings"),
    path("bookings/<int:booking_id>/", designer.booking_detail, name="courtyard_booking"),
    path(
        "bookings/<int:booking_id>/confirm/",
        designer.booking_confirm,
        name="courtyard_booking_confirm",
    ),
    path(
        "bookings/<int:booking_id>/cancel/",
        designer.booking_cancel,
        name="courtyard_booking_cancel",
    ),
    path(
        "bookings/<int:booking_id>/move/",
        designer.booking_reschedule,
        name="courtyard_booking_reschedule",
    ),
    path(
        "bookings/<int:booking_id>/visited/",
        designer.booking_visited,
        name="courtyard_booking_visited",
    ),
    path("availability/", designer.availability, name="courtyard_availability"),
    path("availability/weekly/", designer.weekly_slot_add, name="courtyard_weekly_add"),
    path(
        "availability/weekly/<int:slot_id>/remove/",
        designer.weekly_slot_remove,
        name="courtyard_weekly_remove",
    ),
    path("availability/days-off/", designer.day_off_add, name="courtyard_day_off_add"),
    path(
        "availability/days-off/<int:day_off_id>/remove/",
        designer.day_off_remove,
        name="courtyard_day_off_remove",
    ),
]

staff_patterns = [
    path("courtyards/", staff.figures, name="courtyard_figures"),
    path("courtyards/bookings/", staff.bookings, name="courtyard_bookings"),
]
