"""URLs of the after-sales desk (under /staff/, `staff:`) and of the seller's tickets (under
/seller/, `seller:`)."""

from django.urls import path

from livestreams import views_aftersales as views

staff_patterns = [
    path("aftersales/", views.desk, name="aftersales"),
    path("aftersales/new/", views.open_ticket, name="aftersales_new"),
    path("aftersales/<int:ticket_id>/", views.ticket_page, name="aftersales_ticket"),
    path("aftersales/<int:ticket_id>/take/", views.ticket_take, name="aftersales_take"),
    path("aftersales/<int:ticket_id>/note/", views.ticket_note, name="aftersales_note"),
    path("aftersales/<int:ticket_id>/assign/", views.ticket_assign, name="aftersales_assign"),
    path("aftersales/<int:ticket_id>/resolve/", views.ticket_resolve, name="aftersales_resolve"),
    path("aftersales/<int:ticket_id>/decline/", views.ticket_decline, name="aftersales_decline"),
    path("aftersales/<int:ticket_id>/close/", views.ticket_close, name="aftersales_close"),
    path("aftersales/<int:ticket_id>/reopen/", views.ticket_reopen, name="aftersales_reopen"),
]

seller_patterns = [
    path("aftersales/", views.my_tickets, name="aftersales"),
    path("aftersales/<int:ticket_id>/", views.my_ticket, name="aftersales_ticket"),
    path("aftersales/<int:ticket_id>/reply/", views.my_ticket_reply, name="aftersales_reply"),
]
