"""The audit log: reads and changes of patient data leave rows no interface can edit."""

import pytest
from django.db import DatabaseError, transaction

from tests.conftest import client_for
from tumorboard.audit import AuditEvent

pytestmark = pytest.mark.django_db


def test_reading_a_patient_through_the_api_leaves_a_row(as_navigator, alice, nina):
    response = as_navigator.get(f"/api/v1/patients/{alice.pk}/", REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    event = AuditEvent.objects.get()
    assert (event.username, event.action, event.method) == ("nina", "read", "GET")
    assert event.patient_ids == [alice.pk]
    assert event.path == f"/api/v1/patients/{alice.pk}/"
    assert event.ip == "10.1.2.3"


def test_a_list_records_every_patient_it_showed_and_a_change_is_a_change(as_navigator, alice, bob):
    as_navigator.get("/api/v1/patients/")
    as_navigator.patch(f"/api/v1/patients/{bob.pk}/", {"preferred_language": "es"})
    listed, changed = AuditEvent.objects.order_by("id")
    assert sorted(listed.patient_ids) == sorted([alice.pk, bob.pk])
    assert (changed.action, changed.patient_ids) == ("change", [bob.pk])


def test_requests_that_touch_no_patient_leave_no_row(as_navigator, center):
    as_navigator.get("/api/v1/clinicians/")
    assert not AuditEvent.objects.exists()


def test_rows_cannot_be_edited_or_deleted_through_any_interface(as_navigator, alice, ada):
    as_navigator.get(f"/api/v1/patients/{alice.pk}/")
    event = AuditEvent.objects.get()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(username="someone else")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.delete()
    admin_client = client_for(ada)
    admin_client.force_login(ada)
    assert (
        admin_client.post(
            f"/admin/tumorboard/auditevent/{event.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert admin_client.delete("/api/v1/audit/").status_code in (403, 405)
    assert admin_client.delete(f"/api/v1/audit/{event.pk}/").status_code == 404
    assert AuditEvent.objects.get(pk=event.pk).username == "nina"


def test_only_admins_read_and_export_the_log(as_navigator, alice, ada):
    as_navigator.get(f"/api/v1/patients/{alice.pk}/")
    assert as_navigator.get("/api/v1/audit/").status_code == 403
    as_admin = client_for(ada)
    listed = as_admin.get(f"/api/v1/audit/?patient={alice.pk}").json()["results"]
    assert [e["username"] for e in listed] == ["nina"]
    export = as_admin.get("/api/v1/audit/?export=csv")
    assert export["Content-Type"] == "text/csv"
    lines = b"".join(export.streaming_content).decode().splitlines()
    assert lines[0].startswith("id,at,username,action")
    assert any(",nina,read,GET," in line for line in lines[1:])
