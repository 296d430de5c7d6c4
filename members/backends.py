from django.contrib.auth.backends import ModelBackend

from core.roles import permission_codes


class PermissionBackend(ModelBackend):
    """ModelBackend whose permissions come from the request's one roles query
    (core.roles._principal) instead of two queries of their own: the Django admin asks on
    every page. The permissions are the groups' and the user's own, and being a superuser
    adds none here (ModelBackend would give a superuser every permission): power follows
    from a role (core.roles). allauth's backend, a ModelBackend too, reads the same cache."""

    def get_all_permissions(self, user_obj, obj=None):
        if (
            user_obj.is_active
            and not user_obj.is_anonymous
            and obj is None
            and not hasattr(user_obj, "_perm_cache")
        ):
            user_obj._perm_cache = set(permission_codes(user_obj))
        return super().get_all_permissions(user_obj, obj)
