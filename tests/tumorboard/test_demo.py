import pytest
from django.core.management import call_command

from navigation.models import Clinician, Location
from patients.models import Referral

pytestmark = pytest.mark.django_db


def test_the_demo_center_loads_once_with_every_urgency(capsys):
    call_command("load_demo")
    call_command("load_demo")
    assert "(0 new referrals)" in capsys.readouterr().out
    assert Clinician.objects.count() >= 12
    assert Location.objects.count() == 2
    assert len(set(Clinician.objects.values_list("specialty", flat=True))) == 10
    assert set(Referral.objects.values_list("urgency", flat=True)) == {
        "emergency",
        "urgent",
        "routine",
    }
