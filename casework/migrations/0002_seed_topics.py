from django.db import migrations

# The seven topics the organisation reports on; codes are stable, names may be edited.
TOPICS = [
    ("unclear_role", "Uklar rolle / stillingsbeskrivelse", "Unclear role / job description"),
    ("pay_conditions", "Lønn og arbeidsvilkår", "Pay and working conditions"),
    ("stigma", "Stigma", "Stigma"),
    ("organisational_culture", "Organisasjonskultur", "Organisational culture"),
    ("training_supervision", "Opplæring og veiledning", "Training and supervision"),
    ("employment_contract", "Ansettelse og kontrakt", "Employment and contract"),
    ("other", "Annet", "Other"),
]


def seed_topics(apps, schema_editor):
    Topic = apps.get_model("casework", "Topic")
    for position, (code, name_nb, name_en) in enumerate(TOPICS, start=1):
        Topic.objects.update_or_create(
            code=code, defaults={"name_nb": name_nb, "name_en": name_en, "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("casework", "0001_initial")]

    operations = [migrations.RunPython(seed_topics, migrations.RunPython.noop)]
