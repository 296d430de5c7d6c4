from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members")

    def ready(self):
        from allauth.account.signals import password_reset

        from core import home, releases, roles

        from . import adapters, reports, selectors

        releases.register(reports.KIND, reports.release_spec)
        roles.register_role_source(selectors.member_role_rows)
        home.register_home_context(lambda user: {"step": selectors.membership_step_for(user)})

        # Groups need the permissions, which Django creates in post_migrate.
        post_migrate.connect(roles.sync_role_groups_after_migrate, sender=self)
        password_reset.connect(adapters.verify_address_on_password_reset)
