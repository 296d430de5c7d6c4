from django.contrib import admin

from .models import Consent, County, Membership, Municipality

# Not registered: Profile (special-category data, read through the portal's audited member
# pages) and ImportBatch (every imported row's personal data, seen in the import preview).


@admin.register(County)
class CountyAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "norwegian_name", "county"]
    list_filter = ["county"]
    list_select_related = ["county"]
    search_fields = ["code", "name", "norwegian_name"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "status", "period_end", "member_since", "applied_at"]
    list_filter = ["status"]
    list_select_related = ["user"]
    search_fields = ["user__email", "user__last_name"]
    date_hierarchy = "applied_at"

    # Read-only: membership decides who reaches member data, so approving, ending or
    # extending one goes through the portal's pages, which email the person and audit it.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ["user", "version", "given_at", "withdrawn_at"]
    list_select_related = ["user"]
    readonly_fields = ["user", "version", "given_at", "withdrawn_at"]
    search_fields = ["user__email"]

    def has_add_permission(self, request):
        return False
