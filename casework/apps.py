from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = _("Casework")

    def ready(self):
        from core import releases

        from . import stats

        releases.register(stats.KIND, stats.release_spec, stable=stats.closed_period)
