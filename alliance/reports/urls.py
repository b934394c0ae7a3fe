"""URLs of the reports: the staff's (under /staff/, `staff:`) and the seller's (under /seller/)."""

from django.urls import path

from alliance.reports import views

staff_patterns = [
    path("reports/", views.reports, name="reports"),
    path("reports/export.xlsx", views.reports_export, name="reports_export"),
    path("reports/government.pdf", views.government_report, name="reports_government"),
]

seller_patterns = [
    path("sales/", views.my_sales, name="sales"),
]
