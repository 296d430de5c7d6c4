from django.contrib import admin

from .models import Topic


# Only the topic names are edited here. Cases are not registered: admins see statistics,
# never case content (SECURITY.md A5), and the Django admin would bypass the gatekeeper.
@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("code", "name_nb", "name_en", "position")
    readonly_fields = ("code",)
    ordering = ("position",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
