"""URLs of settlement: staff's (under /staff/, `staff:`) and the seller's statements (under
/seller/, `seller:`)."""

from django.urls import path

from livestreams import views_settlement as views

staff_patterns = [
    path("settlement/", views.month_page, name="settlement"),
    path("settlement/make/", views.make_month, name="settlement_make"),
    path("settlement/rates/", views.rates_page, name="settlement_rates"),
    path("settlement/<int:statement_id>/", views.statement_page, name="settlement_statement"),
    path("settlement/<int:statement_id>/pay/", views.statement_pay, name="settlement_pay"),
    path(
        "settlement/<int:statement_id>/reopen/",
        views.statement_reopen,
        name="settlement_reopen",
    ),
    path(
        "settlement/<int:statement_id>/statement.pdf",
        views.statement_file,
        {"kind": "pdf"},
        name="settlement_pdf",
    ),
    path(
        "settlement/<int:statement_id>/statement.xlsx",
        views.statement_file,
        {"kind": "xlsx"},
        name="settlement_xlsx",
    ),
]

seller_patterns = [
    path("statements/", views.my_statements, name="statements"),
    path("statements/<int:statement_id>/", views.my_statement, name="statement"),
    path(
        "statements/<int:statement_id>/confirm/",
        views.my_statement_confirm,
        name="statement_confirm",
    ),
    path(
        "statements/<int:statement_id>/statement.pdf",
        views.my_statement_file,
        {"kind": "pdf"},
        name="statement_pdf",
    ),
    path(
        "statements/<int:statement_id>/statement.xlsx",
        views.my_statement_file,
        {"kind": "xlsx"},
        name="statement_xlsx",
    ),
]
