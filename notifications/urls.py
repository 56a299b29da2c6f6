from django.urls import path
from rest_framework.routers import DefaultRouter

from notifications import api

router = DefaultRouter(trailing_slash=True)
router.register("notifications", api.MessageViewSet, basename="notification")
router.register("alerts", api.AlertViewSet, basename="alert")

urlpatterns = [
    path("sms/inbound/", api.SmsInboundView.as_view(), name="sms-inbound"),
    path("sms/status/", api.SmsStatusView.as_view(), name="sms-status"),
    *router.urls,
]
