from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members")

    def ready(self):
        from core import releases

        from . import reports, roles

        releases.register(reports.KIND, reports.release_spec)

        # Groups need the permissions, which Django creates in post_migrate.
        post_migrate.connect(roles.sync_role_groups_after_migrate, sender=self)
