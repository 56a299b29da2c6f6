"""Server-rendered pages for navigators and specialists (the patient page lives in
notifications.patient_pages, behind its private link)."""

from django.urls import include, path

from web.views import (
    alerts,
    appointments,
    auth,
    board,
    dashboard,
    day,
    holds,
    metrics,
    patients,
    queue,
    referral,
    specialist,
)

app_name = "web"

urlpatterns = [
    path("", auth.home, name="home"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.logout, name="logout"),
    path("password-reset/", auth.password_reset, name="password_reset"),
    path("password-reset/sent/", auth.password_reset_done, name="password_reset_done"),
    path("reset/<uidb64>/<token>/", auth.password_reset_confirm, name="password_reset_confirm"),
    path("reset/done/", auth.password_reset_complete, name="password_reset_complete"),
    path("queue/", queue.queue, name="queue"),
    path("patients/", patients.patients, name="patients"),
    path("patients/new/", patients.patient_new, name="patient_new"),
    path("referrals/new/", patients.referral_new, name="referral_new"),
    path("referrals/<int:pk>/", referral.referral, name="referral"),
    path("referrals/<int:pk>/override/", referral.override, name="override"),
    path("appointments/<int:pk>/", appointments.appointment, name="appointment"),
    path(
        "appointments/<int:pk>/reschedule/",
        appointments.reschedule,
        name="appointment_reschedule",
    ),
    path("appointments/<int:pk>/cancel/", appointments.cancel, name="appointment_cancel"),
    path("appointments/<int:pk>/status/", appointments.set_status, name="appointment_status"),
    path("requests/<int:pk>/done/", referral.request_done, name="request_done"),
    path("tasks/<int:pk>/done/", referral.task_done, name="task_done"),
    path("referrals/<int:pk>/sins/", referral.sins, name="sins"),
    path("referrals/<int:pk>/consult/", referral.consult_book, name="consult_book"),
    path("referrals/<int:pk>/plan/", referral.plan, name="plan"),
    path("referrals/<int:pk>/book/", referral.book, name="book"),
    path("referrals/<int:pk>/hold/", holds.hold, name="hold"),
    path("holds/<int:pk>/confirm/", holds.hold_confirm, name="hold_confirm"),
    path("holds/<int:pk>/release/", holds.hold_release, name="hold_release"),
    path("referrals/<int:pk>/board/", referral.board_submit, name="board_submit"),
    path("day/", day.day, name="day"),
    path("alerts/", alerts.alerts, name="alerts"),
    path("alerts/<int:pk>/acknowledge/", alerts.acknowledge, name="acknowledge"),
    path("alerts/acknowledge/", alerts.acknowledge_many, name="acknowledge_many"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/metrics/", metrics.metrics, name="metrics"),
    path("dashboard/metrics.csv", metrics.metrics_csv, name="metrics_csv"),
    path("board/", board.meetings, name="meetings"),
    path("board/meetings/<int:pk>/", board.agenda, name="agenda"),
    path("board/meetings/<int:pk>/attendance/", board.attendance, name="attendance"),
    path("board/cases/<int:pk>/", board.case, name="case"),
    path("me/week/", specialist.my_week, name="my_week"),
    path("me/calendar/", specialist.my_calendar, name="my_calendar"),
    path("simulator/", include("simulator.urls")),
]
