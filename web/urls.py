"""Server-rendered pages for navigators and specialists (the patient page lives in
notifications.patient_pages, behind its private link)."""

urlpatterns: list = []
