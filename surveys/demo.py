"""Demo data for the surveys app, called by manage.py seed_demo.

The 2020-2022 editions with generated responses close to the published figures (2022:
n=168, 71 % union members, 49 % user representatives, mean salary about NOK 450,000) and
their directions (job descriptions, involvement in developing the role and being treated as
an equal more common each year; higher pay grades and the training programme pay more),
mixed like any closed edition, and an open edition of this year, copied from 2022, that the
demo member can answer.
"""

import random
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from . import questionnaire, services, tasks
from .answering import DECLINED
from .models import Edition, Question
from .selectors import questionnaire_for

# year: (responses, job description, union, user representative, mean salary)
HISTORY = {
    2020: (121, 0.44, 0.66, 0.52, 421_000),
    2021: (143, 0.51, 0.68, 0.50, 436_000),
    2022: (168, 0.59, 0.71, 0.49, 450_000),
}
# The published reports' directions, year by year: more were involved in developing their
# role, and more feel treated as an equal (the centre of the "treated as equal" statements).
INVOLVEMENT = {2020: 0.36, 2021: 0.43, 2022: 0.50}
EQUAL_CENTRE = {2020: 2.9, 2021: 3.3, 2022: 3.7}
# Pay follows the pay grade and the training programme. Offsets from the year's mean salary,
# weighted so that they average out to zero and the mean stays the published one.
PAY_GRADES = {"assistant": 30, "skilled_worker": 40, "consultant": 22, "other": 4, "unknown": 4}
GRADE_OFFSET = {
    "assistant": -45_000,
    "skilled_worker": 0,
    "consultant": 60_000,
    "other": 0,
    "unknown": 0,
}
TRAINED_SHARE = 0.45
TRAINING_OFFSET = {"yes": 22_000, "no": -18_000}
EMPLOYERS = {"municipality": 50, "specialist": 25, "nav": 8, "ngo_private": 12, "other": 5}
REGIONS = {"ost": 42, "vest": 22, "midt": 16, "sor": 8, "nord": 12}
COMMENTS = [
    "Fint at noen spør.",
    "Ønsker meg flere kolleger med erfaring.",
    "Lønnen bør heves.",
    "Trives godt, men trenger mer veiledning.",
]


def _pick(rng, weights):
    return rng.choices(list(weights), list(weights.values()))[0]


def _likert(rng, question, centre):
    scale = [c.code for c in question.choices.all()]
    return {
        item.code: scale[max(0, min(len(scale) - 1, round(rng.gauss(centre, 1))))]
        for item in question.items.all()
    }


def _exact(rng, share, count):
    """yes/no answers with exactly the share given, in random order: the demo should show
    the published figures, not a sample's noise around them."""
    values = ["yes"] * round(share * count) + ["no"] * (count - round(share * count))
    rng.shuffle(values)
    return values


def _strata(rng, union, representative):
    return {
        "region": _pick(rng, REGIONS),
        "employer_type": _pick(rng, EMPLOYERS),
        "field": rng.choice(["mental_health", "substance_use", "both"]),
        "union_member": union,
        "user_representative": representative,
        "contract_type": "permanent" if rng.random() < 0.7 else "temporary",
        # The questionnaire takes its training-programme answer from here; mixing
        # generalises it with the other strata.
        "training_completed": "yes" if rng.random() < TRAINED_SHARE else "no",
    }


def _salary(rng, year, grade, trained):
    mean = HISTORY[year][4] + GRADE_OFFSET[grade] + TRAINING_OFFSET[trained]
    return str(int(min(700_000, max(250_000, rng.gauss(mean, 40_000)))))


def _answers(rng, survey, year, strata, job_description):
    grade = _pick(rng, PAY_GRADES)
    trained = strata["training_completed"]
    fixed = {
        "position_percent": str(rng.choice([20, 40, 50, 60, 80, 100, 100, 100])),
        "years_as_peer": str(rng.randint(0, 12)),
        "has_job_description": job_description,
        "representation_hours": str(rng.randint(2, 20)),
        "pay_grade": grade,
        "role_involvement": "yes" if rng.random() < INVOLVEMENT[year] else "no",
        "salary_annual": DECLINED if rng.random() < 0.1 else _salary(rng, year, grade, trained),
        "comments": rng.choice(COMMENTS) if rng.random() < 0.15 else "",
        "stigma_description": "",
    }
    # The breakdown questions are answered from the profile, as in the portal.
    answers = survey.profile_answers(strata)
    for section in survey.sections:
        # Question by question, so a condition on the same page sees the answer before it.
        for question in section.question_list:
            visible = {q.key for q in survey.visible_questions(section, answers)}
            if question.key not in visible:
                continue
            value = _value(rng, question, fixed, year)
            if value not in (None, "", [], {}):
                answers[question.key] = value
    return answers


def _value(rng, question, fixed, year):
    if question.key in fixed:
        return fixed[question.key]
    codes = [c.code for c in question.choices.all()]
    if question.type == Question.Type.LIKERT:
        centre = EQUAL_CENTRE[year] if question.key == "treated_as_equal" else 3.2
        return _likert(rng, question, centre=centre)
    if question.type == Question.Type.MULTI:
        return rng.sample(codes, rng.randint(1, 3))
    if question.type in Question.CHOICE_TYPES:
        return rng.choice(codes)
    return None


def _seed_history(rng):
    for year, (count, job_share, union_share, rep_share, _salary) in HISTORY.items():
        opens = timezone.make_aware(datetime.combine(date(year, 3, 1), time(9)))
        edition = questionnaire.build_edition(
            year=year,
            status=Edition.Status.CLOSED,
            opens_at=opens,
            closes_at=opens + timedelta(days=45),
        )
        survey = questionnaire_for(edition)
        plan = zip(
            _exact(rng, job_share, count),
            _exact(rng, union_share, count),
            _exact(rng, rep_share, count),
            strict=True,
        )
        for job_description, union, representative in plan:
            strata = _strata(rng, union, representative)
            services.import_ballot(
                edition=edition,
                answers=_answers(rng, survey, year, strata, job_description),
                questionnaire=survey,
                strata=strata,
            )
        # Stored as the portal stores every edition: mixed, generalised, shuffled.
        services.mix_edition(edition_id=edition.pk)
    return Edition.objects.get(year=max(HISTORY))


def seed(*, stdout):
    """Create this app's demo rows. Called once, on an empty database."""
    rng = random.Random(168)  # the same demo data every time
    last = _seed_history(rng)
    # The reports are built by the worker once `make run` has started it: protecting and
    # auditing the 2022 report takes over a minute of solver time, too long for seeding.
    for year in HISTORY:
        transaction.on_commit(lambda year=year: tasks.build_report.delay(year), robust=True)
    admin = get_user_model().objects.filter(groups__name="admin").order_by("pk").first()
    now = timezone.now()
    current = services.copy_edition(actor=admin, source=last, year=timezone.localdate().year)
    services.schedule_edition(
        actor=admin,
        edition=current,
        opens_at=now - timedelta(days=3),
        closes_at=now + timedelta(days=30),
        reminder_days_after_open=[7, 14],
        reminder_days_before_close=[2],
    )
    services.open_edition(actor=admin, edition=current)
    stdout.write(
        f"Surveys: editions {', '.join(map(str, HISTORY))} with "
        f"{sum(n for n, *_rest in HISTORY.values())} responses (reports queued for the "
        f"worker); {current.year} open."
    )
