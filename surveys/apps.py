from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys")

    def ready(self):
        from core import releases

        from . import participation, report

        releases.register_family(participation.KIND_PREFIX, participation.release_spec)
        releases.register_family(report.KIND_PREFIX, report.release_spec)
