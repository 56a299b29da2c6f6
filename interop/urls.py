from django.urls import path, re_path

from interop import views

urlpatterns = [
    path("", views.unknown, name="fhir-base"),
    path("metadata", views.MetadataView.as_view(), name="fhir-metadata"),
    path(".well-known/smart-configuration", views.smart_configuration, name="fhir-smart"),
    path("auth/token", views.token, name="fhir-token"),
    path("Appointment/$find", views.FindView.as_view(), name="fhir-find"),
    path("Appointment/$book", views.BookView.as_view(), name="fhir-book"),
    path("Appointment/$hold", views.HoldView.as_view(), name="fhir-hold"),
    path("Appointment", views.AppointmentView.as_view()),
    path("Appointment/<str:pk>", views.AppointmentView.as_view()),
    path("Patient", views.PatientView.as_view()),
    path("Patient/<str:pk>", views.PatientView.as_view()),
    path("Practitioner", views.PractitionerView.as_view()),
    path("Practitioner/<str:pk>", views.PractitionerView.as_view()),
    path("PractitionerRole", views.PractitionerRoleView.as_view()),
    path("PractitionerRole/<str:pk>", views.PractitionerRoleView.as_view()),
    path("Location/<str:pk>", views.LocationView.as_view()),
    path("Device", views.DeviceView.as_view()),
    path("Device/<str:pk>", views.DeviceView.as_view()),
    path("ServiceRequest", views.ServiceRequestView.as_view()),
    path("ServiceRequest/<str:pk>", views.ServiceRequestView.as_view()),
    path("Schedule", views.ScheduleView.as_view()),
    path("Schedule/<str:pk>", views.ScheduleView.as_view()),
    path("Slot", views.SlotView.as_view()),
    path("Slot/<str:pk>", views.SlotView.as_view()),
    re_path(r"^(?P<path>.*)$", views.unknown),
]
