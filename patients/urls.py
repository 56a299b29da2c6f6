from rest_framework.routers import DefaultRouter

from patients.api import PatientViewSet, ReferralViewSet

router = DefaultRouter(trailing_slash=True)
router.register("patients", PatientViewSet, basename="patient")
router.register("referrals", ReferralViewSet, basename="referral")
urlpatterns = router.urls
