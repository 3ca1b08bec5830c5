from datetime import date

import pytest

from assessment.models import AssessmentScheme, AuditEntry
from portal.organisation.models import Unit

pytestmark = pytest.mark.django_db


def test_admin_creates_a_scheme_and_bad_weights_are_refused(client, admin_user_demo):
    client.force_login(admin_user_demo)
    data = {
        "unit": Unit.objects.get(code="CG-YYT").pk,
        "name": "营业厅考核方案",
        "exam_weight": "40",
        "attendance_weight": "10",
        "error_rate_weight": "10",
        "complaints_weight": "15",
        "satisfaction_weight": "15",
        "etiquette_weight": "10",
        "error_penalty": "10",
        "complaint_penalty": "20",
        "missed_exam_score": "0",
        "grade_bands": '[{"name": "优秀", "min": 90, "coefficient": "1.2"}, {"name": "合格", "min": 0}]',
    }
    response = client.post("/admin/assessment_schemes/new/", {**data, "exam_weight": "50"})
    assert response.status_code == 200 and "权重之和必须为 100" in response.content.decode()
    assert not AssessmentScheme.objects.exists()
    response = client.post("/admin/assessment_schemes/new/", data)
    assert response.status_code == 302
    assert AssessmentScheme.objects.get().name == "营业厅考核方案"


def test_audit_log_is_listed_but_cannot_be_changed(
    client, admin_user_demo, team_leader, staff_user
):
    from assessment import services

    record = services.record_for(profile=staff_user.staff_profile, month=date(2026, 11, 1))
    services.update_components(
        record_id=record.pk, by=team_leader, values={"complaints": 1}, expected_version=1
    )
    entry = AuditEntry.objects.get(record=record, field="complaints")
    client.force_login(admin_user_demo)
    html = client.get("/admin/assessment_audit/").content.decode()
    assert "班组长录入" in html
    before = (entry.old_value, entry.new_value, entry.reason)
    for url in (
        f"/admin/assessment_audit/edit/{entry.pk}/",
        f"/admin/assessment_audit/delete/{entry.pk}/",
    ):
        assert client.get(url).status_code in (302, 403)
        client.post(url, {"reason": "篡改"})
    assert client.get("/admin/assessment_audit/new/").status_code in (302, 403)
    entry.refresh_from_db()
    assert (entry.old_value, entry.new_value, entry.reason) == before


def test_staff_and_hr_cannot_edit_schemes(client, staff_user, hr_user):
    for user in (staff_user, hr_user):
        client.force_login(user)
        assert client.get("/admin/assessment_schemes/").status_code == 302
