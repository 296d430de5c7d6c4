from members.roles import ADMIN, ADVISOR, MEMBER, role_names


def roles(request):
    names = role_names(request.user) if hasattr(request, "user") else frozenset()
    return {
        "is_member": MEMBER in names,
        "is_advisor": ADVISOR in names,
        "is_admin": ADMIN in names,
    }
