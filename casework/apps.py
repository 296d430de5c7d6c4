from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = _("Casework")

    def ready(self):
        from core import releases

        from . import stats

        releases.register(stats.KIND, stats.release_spec, stable=stats.closed_period)
        _forget_kept_lists_on_change(self.get_model("Topic"))


def _forget_kept_lists_on_change(topic_model):
    """The topics and the advisors' names are kept for a minute (core.kept); a change made
    in this process is seen at once: a topic saved or deleted, a user saved (but for the
    time of their last sign-in), deleted or given or stripped of a group, a group renamed.
    (A request of this process that reads the lists while the change's transaction is still
    open keeps the old ones, as another process would: for at most a minute.)"""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from core.kept import forget_all

    def forget(**kwargs):
        if kwargs.get("update_fields") == frozenset({"last_login"}):
            return
        forget_all()

    user = get_user_model()
    for model in (topic_model, user, Group):
        post_save.connect(forget, sender=model, dispatch_uid=f"casework.kept.saved.{model}")
        post_delete.connect(forget, sender=model, dispatch_uid=f"casework.kept.deleted.{model}")
    m2m_changed.connect(forget, sender=user.groups.through, dispatch_uid="casework.kept.groups")
