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
    raw_id_fields = ["user"]
    # Decisions go through the portal's pages (with email and audit), not this form.
    readonly_fields = ["applied_at", "decided_at", "decided_by", "ended_at", "updated_at"]
    search_fields = ["user__email", "user__last_name"]
    date_hierarchy = "applied_at"


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ["user", "version", "given_at", "withdrawn_at"]
    list_select_related = ["user"]
    readonly_fields = ["user", "version", "given_at", "withdrawn_at"]
    search_fields = ["user__email"]

    def has_add_permission(self, request):
        return False
