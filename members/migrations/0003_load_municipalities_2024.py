"""Load the 2024 counties and municipalities (Statistics Norway's codes) from the copy in
members/data/, so nothing reads outside the project at run time."""

import csv
from pathlib import Path

from django.db import migrations

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "municipalities-2024.csv"


def load(apps, schema_editor):
    County = apps.get_model("members", "County")
    Municipality = apps.get_model("members", "Municipality")
    with DATA_FILE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    counties = {row["county_code"]: row["county_name"] for row in rows}
    for code, name in counties.items():
        County.objects.update_or_create(code=code, defaults={"name": name})
    for row in rows:
        Municipality.objects.update_or_create(
            code=row["municipality_code"],
            defaults={
                "name": row["municipality_name"],
                "norwegian_name": row["norwegian_name"].strip(),
                "county_id": row["county_code"],
            },
        )


class Migration(migrations.Migration):
    dependencies = [("members", "0002_membership")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
