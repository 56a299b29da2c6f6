from django.urls import path
from rest_framework.routers import DefaultRouter

from navigation import api

router = DefaultRouter(trailing_slash=True)
router.register("locations", api.LocationViewSet, basename="location")
router.register("clinicians", api.ClinicianViewSet, basename="clinician")
router.register("resources", api.ResourceViewSet, basename="resource")
router.register("availability", api.AvailabilityViewSet, basename="availability")
router.register("time-off", api.TimeOffViewSet, basename="time-off")
router.register("appointments", api.AppointmentViewSet, basename="appointment")
router.register("itineraries", api.ItineraryViewSet, basename="itinerary")
router.register("holds", api.HoldViewSet, basename="hold")

urlpatterns = [
    path(
        "appointments/<int:pk>/invite.ics",
        api.AppointmentInviteView.as_view(),
        name="appointment-invite",
    ),
    path("itineraries/search/", api.ItinerarySearchView.as_view(), name="itinerary-search"),
    path(
        "referrals/<int:pk>/consult-options/",
        api.ConsultOptionsView.as_view(),
        name="consult-options",
    ),
    path(
        "referrals/<int:pk>/on-call-assessment/",
        api.OnCallAssessmentView.as_view(),
        name="on-call-assessment",
    ),
    *router.urls,
]
