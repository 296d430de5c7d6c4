from django.core.management.base import BaseCommand, CommandError

from core import key_rotation


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted value (casework texts, sealed survey answers, MFA secrets) "
        "under the first key of its ring (FIELD_ENCRYPTION_KEYS, SURVEY_BALLOT_KEYS, "
        "MFA_ENCRYPTION_KEYS). Run it after putting a new key first; when it reports nothing "
        "unreadable, the old keys (and FIELD_ENCRYPTION_SALT) can be removed. Idempotent: a "
        "second run re-encrypts nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="Rows per transaction.")

    def handle(self, *, batch_size, verbosity, **options):
        def progress(tally):
            if verbosity >= 1:
                self.stdout.write(f"  ... {tally}")

        tallies = key_rotation.rotate_all(batch_size=batch_size, progress=progress)
        for tally in tallies:
            self.stdout.write(str(tally))
        unreadable = sum(tally.unreadable for tally in tallies)
        if unreadable:
            raise CommandError(
                f"{unreadable} value(s) could not be decrypted with any configured key and were "
                "left as they are: keep the old keys until they are found."
            )
        rotated = sum(tally.rotated for tally in tallies)
        self.stdout.write(self.style.SUCCESS(f"Done: {rotated} value(s) re-encrypted."))
