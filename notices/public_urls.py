"""Mounted at the site's root by command.urls: the short links in SMS, and the gateway's callbacks."""

from django.urls import path

from notices import gateway_views, views

urlpatterns = [
    path("n/<str:token>", views.person_notice, name="notice-person"),
    path("n/<str:token>/confirm/", views.person_confirm, name="notice-person-confirm"),
    path("sms/gateway/<str:secret>/dlr/<int:receipt_id>/", gateway_views.delivery_report, name="sms-dlr"),
    path("sms/gateway/<str:secret>/in/", gateway_views.incoming, name="sms-in"),
]
