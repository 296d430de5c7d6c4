from django.shortcuts import render
from helpdesk.decorators import helpdesk_staff_member_required


@helpdesk_staff_member_required
def floor(request):
    """helpdesk's base template and nothing else (like casework.bench.floor, which renders
    the portal's base.html for a signed-in user)."""
    return render(request, "helpdesk/base.html")
