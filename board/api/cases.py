"""`/api/v1/board/cases/` with each case's recommendation, and `/api/v1/board/tasks/`."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from board import selectors
from board.api import valid
from board.models import CaseMove
from board.serializers import cases as s
from board.serializers.meetings import BoardReasonSerializer
from board.services import cases as services
from board.services import recommendations as recs
from tumorboard.audit import touch
from tumorboard.errors import NotFound
from tumorboard.roles import ADMIN, NAVIGATOR, SPECIALIST, STAFF_ROLES, RolePermission


class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Cases on the board: a navigator or specialist puts one on a meeting with its
    question; the readiness checklist and the NOMS picture travel with it."""

    serializer_class = s.CaseSerializer
    permission_classes = [RolePermission]
    read_roles = STAFF_ROLES
    write_roles = (NAVIGATOR, SPECIALIST, ADMIN)
    filterset_fields = ["meeting", "patient", "referral", "status"]
    ordering_fields = ["submitted_at"]

    def get_queryset(self):
        cases = selectors.case_list()
        if self.action != "list":
            cases = cases.prefetch_related(
                Prefetch("moves", queryset=CaseMove.objects.order_by("at", "id"))
            )
        return cases

    def get_serializer_class(self):
        return s.CaseDetailSerializer if self.action != "list" else s.CaseSerializer

    def _respond(self, case, code=status.HTTP_200_OK) -> Response:
        case = self.get_queryset().get(pk=case.pk)
        return Response(s.CaseDetailSerializer(case, context={"request": self.request}).data, code)

    @extend_schema(request=s.CaseCreateSerializer, responses={201: s.CaseDetailSerializer})
    def create(self, request):
        """Put a case on a meeting. A cancelled or past meeting is refused; over capacity,
        the last routine cases roll to the next meeting."""
        data = valid(s.CaseCreateSerializer, request)
        case = services.case_submit(by=request.user, now=timezone.now(), **data)
        return self._respond(case, status.HTTP_201_CREATED)

    @extend_schema(request=s.CaseUpdateSerializer, responses=s.CaseDetailSerializer)
    def partial_update(self, request, pk=None):
        """The question, presenter, readiness checklist and clinical details."""
        case = self.get_object()
        serializer = s.CaseUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        case = services.case_update(
            case=case, by=request.user, now=timezone.now(), **serializer.validated_data
        )
        return self._respond(case)

    @extend_schema(request=s.CaseMoveInputSerializer, responses=s.CaseDetailSerializer)
    @action(detail=True, methods=["post"], write_roles=(NAVIGATOR, ADMIN))
    def move(self, request, pk=None):
        """Move to another meeting; the history keeps every meeting it was on."""
        data = valid(s.CaseMoveInputSerializer, request)
        case = services.case_move(
            case=self.get_object(),
            meeting=data["meeting"],
            reason=data["reason"],
            by=request.user,
            now=timezone.now(),
        )
        return self._respond(case)

    @extend_schema(request=BoardReasonSerializer, responses=s.CaseDetailSerializer)
    @action(detail=True, methods=["post"], write_roles=(NAVIGATOR, ADMIN))
    def withdraw(self, request, pk=None):
        data = valid(BoardReasonSerializer, request)
        case = services.case_withdraw(
            case=self.get_object(), reason=data["reason"], by=request.user, now=timezone.now()
        )
        return self._respond(case)

    # --- the recommendation ----------------------------------------------------------

    def _current(self, case):
        versions = selectors.recommendation_versions(case)
        if not versions:
            raise NotFound("This case has no recommendation yet.", code="no_recommendation")
        return versions[0], versions

    def _show(self, case, code=status.HTTP_200_OK) -> Response:
        touch(self.request, case.patient_id)
        current, versions = self._current(case)
        serializer = s.RecommendationWithVersionsSerializer(current, context={"versions": versions})
        return Response(serializer.data, code)

    @extend_schema(methods=["get"], responses=s.RecommendationWithVersionsSerializer)
    @extend_schema(
        methods=["post"],
        request=s.RecommendationInputSerializer,
        responses={201: s.RecommendationWithVersionsSerializer},
    )
    @extend_schema(
        methods=["patch"],
        request=s.RecommendationUpdateSerializer,
        responses=s.RecommendationWithVersionsSerializer,
    )
    @action(detail=True, methods=["get", "post", "patch"], write_roles=STAFF_ROLES)
    def recommendation(self, request, pk=None):
        """The latest version and the list of all. POST writes a new version (the first,
        or a change to a signed one); PATCH changes a draft (a signed one: 409). With
        `sign: true` a specialist signs at once."""
        case = self.get_object()
        if request.method == "GET":
            return self._show(case)
        now = timezone.now()
        if request.method == "POST":
            data = dict(valid(s.RecommendationInputSerializer, request))
            recs.recommendation_create(case=case, by=request.user, now=now, **data)
            return self._show(case, status.HTTP_201_CREATED)
        current, _ = self._current(case)
        serializer = s.RecommendationUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        recs.recommendation_update(
            recommendation=current, by=request.user, now=now, **serializer.validated_data
        )
        return self._show(case)

    @extend_schema(request=None, responses=s.RecommendationWithVersionsSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path="recommendation/sign",
        write_roles=STAFF_ROLES,
    )
    def sign(self, request, pk=None):
        """A specialist signs the draft: it freezes, and the navigators' tasks, the letter
        to the referring oncologist and the follow-up imaging plan follow."""
        case = self.get_object()
        current, _ = self._current(case)
        recs.recommendation_sign(recommendation=current, by=request.user, now=timezone.now())
        return self._show(case)


class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The navigators' follow-up tasks from signed recommendations, with due dates."""

    serializer_class = s.BoardTaskSerializer
    permission_classes = [RolePermission]
    read_roles = STAFF_ROLES
    write_roles = (NAVIGATOR, ADMIN)
    filterset_fields = ["status", "kind", "patient", "case"]
    ordering_fields = ["due_at"]

    def get_queryset(self):
        return selectors.task_list()

    @extend_schema(request=s.BoardTaskDoneSerializer, responses=s.BoardTaskSerializer)
    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        data = valid(s.BoardTaskDoneSerializer, request)
        task = recs.task_complete(
            task=self.get_object(), note=data["note"], by=request.user, now=timezone.now()
        )
        return Response(s.BoardTaskSerializer(task, context={"request": request}).data)
