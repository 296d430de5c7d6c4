"""Sealed ballots, mixing, free text apart, sealed drafts, a submission date (issue 9).

Existing data is brought to the same state as new data: drafts are sealed; a submission
time becomes its Oslo date; every edition's responses are written again in random order with
new ids, generalised categories and no week, and their free texts moved apart, shuffled.
Closed editions count as mixed. Reversing keeps the schema but not the old order or links.
"""

import secrets
import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

import surveys.sealing
from surveys.strata import TooFewResponses, generalise

# The strata a response had at this migration; later ones (0007 training_completed) are
# blank here and are left out of what is written back.
DIMENSIONS = (
    "contract_type",
    "employer_type",
    "field",
    "region",
    "union_member",
    "user_representative",
)
ANSWER_FIELDS = ("question_key", "item_code", "code", "number", "declined")


def seal_drafts(apps, schema_editor):
    Draft = apps.get_model("surveys", "Draft")
    for draft in Draft.objects.all():
        draft.sealed_answers = surveys.sealing.seal(draft.answers)
        draft.save(update_fields=["sealed_answers"])


def date_submissions(apps, schema_editor):
    Participation = apps.get_model("surveys", "Participation")
    for participation in Participation.objects.filter(submitted_at__isnull=False):
        participation.submitted_on = timezone.localdate(participation.submitted_at)
        participation.save(update_fields=["submitted_on"])


def _hidden_keys(questions, categories):
    """Answers that would give back a category generalised away: the profile question's own,
    and those of questions shown only depending on it (at any depth)."""
    hidden = {
        key
        for key, (profile_field, _show_if) in questions.items()
        if profile_field and not categories.get(profile_field)
    }
    while True:
        more = {key for key, (_p, show_if) in questions.items() if show_if in hidden} - hidden
        if not more:
            return hidden
        hidden |= more


def rewrite_responses(apps, schema_editor):
    Edition = apps.get_model("surveys", "Edition")
    Question = apps.get_model("surveys", "Question")
    Response = apps.get_model("surveys", "Response")
    Answer = apps.get_model("surveys", "Answer")
    FreeText = apps.get_model("surveys", "FreeText")
    rng = secrets.SystemRandom()
    Answer.objects.filter(response__is_test=True).exclude(text="").delete()
    for edition in Edition.objects.all():
        questions = {
            q.key: (q.profile_field, q.show_if_key) for q in Question.objects.filter(edition=edition)
        }
        old = list(Response.objects.filter(edition=edition, is_test=False))
        if old:
            answers = {}
            for answer in Answer.objects.filter(response__in=old):
                answers.setdefault(answer.response_id, []).append(answer)
            rng.shuffle(old)
            strata = [{name: getattr(r, name) for name in DIMENSIONS} for r in old]
            try:
                strata = [
                    {name: c[name] for name in DIMENSIONS}
                    for c in generalise(strata, k=settings.DISCLOSURE_THRESHOLD, rng=rng)
                ]
            except TooFewResponses:
                strata = [dict.fromkeys(DIMENSIONS, "") for _r in old]
            new_responses, new_answers, texts = [], [], []
            for response, categories in zip(old, strata, strict=True):
                fresh = Response(id=uuid.uuid4(), edition=edition, **categories)
                new_responses.append(fresh)
                hidden = _hidden_keys(questions, categories)
                for answer in answers.get(response.pk, []):
                    if answer.question_key in hidden:
                        continue
                    if answer.text:
                        texts.append(
                            FreeText(edition=edition, question_key=answer.question_key, text=answer.text)
                        )
                        continue
                    new_answers.append(
                        Answer(
                            response=fresh,
                            **{name: getattr(answer, name) for name in ANSWER_FIELDS},
                        )
                    )
            Answer.objects.filter(response__in=old).delete()
            Response.objects.filter(pk__in=[r.pk for r in old]).delete()
            Response.objects.bulk_create(new_responses)
            Answer.objects.bulk_create(new_answers)
            rng.shuffle(texts)
            FreeText.objects.bulk_create(texts)
        if edition.status == "closed":
            edition.mixed_on = timezone.localdate()
            edition.save(update_fields=["mixed_on"])


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0004_question_units_and_training_profile"),
    ]

    operations = [
        migrations.AddField(
            model_name="edition",
            name="mixed_on",
            field=models.DateField(blank=True, null=True, verbose_name="mixed"),
        ),
        migrations.CreateModel(
            name="Ballot",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("sealed", models.TextField()),
                (
                    "edition",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="ballots",
                        to="surveys.edition",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="FreeText",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("question_key", models.SlugField(max_length=60)),
                ("text", models.TextField()),
                (
                    "edition",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="free_texts",
                        to="surveys.edition",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["edition", "question_key"], name="surveys_fre_edition_f5d0e7_idx"
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="participation",
            name="submitted_on",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="draft",
            name="sealed_answers",
            field=models.TextField(null=True),
        ),
        migrations.RunPython(seal_drafts, migrations.RunPython.noop),
        migrations.RunPython(date_submissions, migrations.RunPython.noop),
        # The week goes first: the responses are written again without it.
        migrations.RemoveField(model_name="response", name="submitted_week"),
        migrations.RunPython(rewrite_responses, migrations.RunPython.noop),
        migrations.RemoveField(model_name="draft", name="answers"),
        migrations.RenameField(model_name="draft", old_name="sealed_answers", new_name="answers"),
        migrations.AlterField(
            model_name="draft",
            name="answers",
            field=surveys.sealing.SealedJSONField(default=dict),
        ),
        migrations.RemoveField(model_name="participation", name="submitted_at"),
        migrations.RemoveField(model_name="answer", name="text"),
    ]
