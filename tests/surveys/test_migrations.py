"""Migration surveys 0005 brings existing data to the state new data is in (issue 9)."""

from collections import Counter
from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from members import factories
from surveys.models import Draft, Edition, FreeText, Participation, Response
from surveys.strata import DIMENSIONS

BEFORE = [("surveys", "0004_question_units_and_training_profile")]
# Through the latest migration, so the models the test reads match the tables.
AFTER = [("surveys", "0007_response_training_completed_stratum")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_drafts_submissions_and_responses_are_brought_to_the_new_state():
    member = factories.member_user(email="migrated@example.org")
    old = _migrate(BEFORE)
    OldEdition = old.get_model("surveys", "Edition")
    opens = timezone.make_aware(datetime.combine(date(2022, 3, 1), time(9)))
    edition = OldEdition.objects.create(
        year=2022, status="closed", opens_at=opens, closes_at=opens + timedelta(days=45)
    )
    current = OldEdition.objects.create(
        year=2026, status="open", opens_at=opens, closes_at=timezone.now() + timedelta(days=9)
    )
    OldResponse = old.get_model("surveys", "Response")
    OldAnswer = old.get_model("surveys", "Answer")
    # Five alike and one on its own, in submission order, each with a week and a comment.
    strata = [{"region": "vest", "union_member": "yes"}] * 5 + [{"region": "nord"}]
    old_ids = []
    for n, categories in enumerate(strata):
        response = OldResponse.objects.create(
            edition=edition, submitted_week=date(2022, 3, 7), **categories
        )
        old_ids.append(response.pk)
        OldAnswer.objects.create(response=response, question_key="salary", number=400000 + n)
        OldAnswer.objects.create(response=response, question_key="comments", text=f"Tekst {n}")
    old.get_model("surveys", "Draft").objects.create(
        member_id=member.pk, edition=current, answers={"comments": "Kanarifugl-0004"}
    )
    # 00:30 in Oslo is still the day before in UTC: the date kept is Oslo's.
    submitted = timezone.make_aware(datetime(2026, 3, 3, 0, 30))
    old.get_model("surveys", "Participation").objects.create(
        member_id=member.pk, edition=current, submitted_at=submitted
    )

    _migrate(AFTER)

    responses = Response.objects.filter(edition__year=2022)
    assert responses.count() == 6
    assert not responses.filter(pk__in=old_ids).exists()  # new ids, written in a new order
    assert min(Counter(responses.values_list(*DIMENSIONS)).values()) >= 5
    # Their training answer was dropped at mixing: the stratum added later stays blank.
    assert set(responses.values_list("training_completed", flat=True)) == {""}
    assert sorted(FreeText.objects.values_list("text", flat=True)) == [
        f"Tekst {n}" for n in range(6)
    ]
    assert Edition.objects.get(year=2022).mixed_on is not None
    assert Edition.objects.get(year=2026).mixed_on is None
    assert Draft.objects.get().answers == {"comments": "Kanarifugl-0004"}
    with connection.cursor() as cursor:
        cursor.execute("SELECT answers FROM surveys_draft")
        assert "Kanarifugl" not in cursor.fetchone()[0]
    assert Participation.objects.get().submitted_on == date(2026, 3, 3)
