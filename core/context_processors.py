from core.roles import ADMIN, ADVISOR, MEMBER, RolePerms, role_names


def roles(request):
    names = role_names(request.user) if hasattr(request, "user") else frozenset()
    return {
        "is_member": MEMBER in names,
        "is_advisor": ADVISOR in names,
        "is_admin": ADMIN in names,
        # Replaces django.contrib.auth's `perms` (listed before this processor): templates
        # ask the roles, as the views do, so a superuser is offered nothing by default.
        "perms": RolePerms(request.user) if hasattr(request, "user") else None,
    }
