from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys")

    def ready(self):
        from core import home, releases, roles

        from . import participation, report, selectors

        releases.register_family(participation.KIND_PREFIX, participation.release_spec)
        releases.register_family(report.KIND_PREFIX, report.release_spec)
        home.register_home_context(
            lambda user: {
                "editions": selectors.open_editions_for(user) if roles.is_member(user) else []
            }
        )
