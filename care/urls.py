from django.urls import path
from rest_framework.routers import DefaultRouter

from care.api import (
    BarrierViewSet,
    ClockViewSet,
    DistressScreeningViewSet,
    ReferralClocksView,
    TreatmentViewSet,
)

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("treatments", TreatmentViewSet, basename="treatment")
router.register("clocks", ClockViewSet, basename="clock")
router.register(
    r"patients/(?P<patient_pk>[0-9]+)/barriers", BarrierViewSet, basename="patient-barrier"
)
router.register(
    r"patients/(?P<patient_pk>[0-9]+)/distress-screenings",
    DistressScreeningViewSet,
    basename="patient-distress",
)

urlpatterns = [
    path("referrals/<int:pk>/clocks/", ReferralClocksView.as_view(), name="referral-clocks"),
    *router.urls,
]
