from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members")

    def ready(self):
        from allauth.account.signals import password_reset

        from core import releases

        from . import adapters, reports, roles

        releases.register(reports.KIND, reports.release_spec)

        # Groups need the permissions, which Django creates in post_migrate.
        post_migrate.connect(roles.sync_role_groups_after_migrate, sender=self)
        password_reset.connect(adapters.verify_address_on_password_reset)
