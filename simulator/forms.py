"""The dashboard's small simulation: a few weeks, one what-if at a time."""

from __future__ import annotations

from django import forms

from simulator import whatif

# The dashboard's run is small: it holds the booking locks while it runs (seconds).
MAX_WEEKS, MAX_RATE = 4, 80


def _session(value: str) -> str:
    if value:
        try:
            whatif.parse_session(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
    return value


class SimulationForm(forms.Form):
    weeks = forms.IntegerField(min_value=1, max_value=MAX_WEEKS, initial=2)
    rate = forms.FloatField(label="Referrals a week", min_value=0, max_value=MAX_RATE, initial=40)
    seed = forms.IntegerField(
        min_value=0, initial=1, help_text="The same seed replays the same referrals."
    )
    add_session = forms.CharField(
        label="Add a weekly session",
        required=False,
        validators=[_session],
        help_text="Specialty or clinician, weekday and hours, e.g. neurosurgery:tue:13:00-17:00.",
    )
    remove_session = forms.CharField(
        label="Remove a weekly session", required=False, validators=[_session]
    )
    after_rate = forms.FloatField(
        label="Referrals a week after", required=False, min_value=0, max_value=MAX_RATE
    )
    board_capacity = forms.IntegerField(
        label="Board cases per meeting after", required=False, min_value=1, max_value=200
    )
