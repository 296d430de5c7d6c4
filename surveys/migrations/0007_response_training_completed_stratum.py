"""The training programme becomes a seventh stratum of a response (issue 11).

Responses mixed before keep "" (not broken down): their training answer was dropped at
mixing, so there is nothing to fill in, and a column that is blank for all of an edition
splits no group, so every combination is still shared by at least k.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('surveys', '0006_ballot_sealed_is_a_rotated_token'),
    ]

    operations = [
        migrations.AddField(
            model_name='response',
            name='training_completed',
            field=models.CharField(blank=True, max_length=10),
        ),
        migrations.AddConstraint(
            model_name='response',
            constraint=models.CheckConstraint(condition=models.Q(('training_completed__in', ['', 'yes', 'no'])), name='response_training_completed_valid'),
        ),
    ]
