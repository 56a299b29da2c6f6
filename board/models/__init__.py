"""The board's models, split by concept."""

from board.models.cases import (
    Case,
    CaseMove,
    DiseaseActivity,
    ImagingModality,
    Modality,
    Recommendation,
    Task,
)
from board.models.meetings import Attendance, Meeting, Series
from board.models.surveillance import Scan, SurveillancePlan

__all__ = [
    "Attendance",
    "Case",
    "CaseMove",
    "DiseaseActivity",
    "ImagingModality",
    "Meeting",
    "Modality",
    "Recommendation",
    "Scan",
    "Series",
    "SurveillancePlan",
    "Task",
]
