"""The member role used to be a group granted by hand (manage.py grant_role), so approved
members waited for someone to run it. It now follows from the membership itself
(members.roles), and the group would only mislead: remove it."""

from django.db import migrations


def remove_member_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="member").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("members", "0004_profile_validation"),
    ]

    operations = [migrations.RunPython(remove_member_group, migrations.RunPython.noop)]
