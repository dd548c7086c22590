from django.contrib import admin

from .models import GuidanceNote, Receipt, RumourAlert


@admin.register(GuidanceNote)
class GuidanceNoteAdmin(admin.ModelAdmin):
    list_display = ("title", "status", "published_at", "author_unit")
    list_filter = ("status",)
    search_fields = ("title",)
    raw_id_fields = ("author", "author_unit", "target_units", "rumours", "questions")
    # The body is sanitised by the service: edit notes through the app, not here.
    readonly_fields = ("body", "search_text", "published_at", "status")

    def get_queryset(self, request):
        return GuidanceNote.objects.visible_to(request.user)


@admin.register(Receipt)
class ReceiptAdmin(admin.ModelAdmin):
    list_display = ("note", "person", "read_at", "acknowledged_at")
    raw_id_fields = ("note", "person")


@admin.register(RumourAlert)
class RumourAlertAdmin(admin.ModelAdmin):
    list_display = ("rumour", "sightings", "units", "created_at")
    raw_id_fields = ("rumour",)
