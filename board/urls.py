from django.urls import path
from rest_framework.routers import DefaultRouter

from board.api.cases import CaseViewSet, TaskViewSet
from board.api.meetings import MeetingInviteView, MeetingViewSet, SeriesViewSet
from board.api.surveillance import PlanViewSet, ReportView

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("board/series", SeriesViewSet, basename="board-series")
router.register("board/meetings", MeetingViewSet, basename="board-meeting")
router.register("board/cases", CaseViewSet, basename="board-case")
router.register("board/tasks", TaskViewSet, basename="board-task")
router.register("surveillance-plans", PlanViewSet, basename="surveillance-plan")

urlpatterns = [
    path(
        "board/meetings/<int:pk>/invite.ics",
        MeetingInviteView.as_view(),
        name="board-meeting-invite",
    ),
    path("board/report/", ReportView.as_view(), name="board-report"),
    *router.urls,
]
