from django.urls import path
from rest_framework.routers import DefaultRouter

from care.api import ClockViewSet, ReferralClocksView, TreatmentViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("treatments", TreatmentViewSet, basename="treatment")
router.register("clocks", ClockViewSet, basename="clock")

urlpatterns = [
    path("referrals/<int:pk>/clocks/", ReferralClocksView.as_view(), name="referral-clocks"),
    *router.urls,
]
