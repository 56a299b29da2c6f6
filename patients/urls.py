from rest_framework.routers import DefaultRouter

from patients.api import ContactViewSet, PatientViewSet, ReferralViewSet

router = DefaultRouter(trailing_slash=True)
router.register("patients", PatientViewSet, basename="patient")
router.register("referrals", ReferralViewSet, basename="referral")
router.register(
    r"patients/(?P<patient_pk>[0-9]+)/contacts", ContactViewSet, basename="patient-contact"
)
urlpatterns = router.urls
