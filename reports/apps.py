from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Opinion reports")

    def ready(self):
        from collaborators.selectors.units import register_subtree_counter
        from reports.models import Report, ReportStatus

        # The unit tree shows how many reports each subtree has sent (drafts are private).
        register_subtree_counter(
            "reports",
            label=_("Reports"),
            queryset=lambda: Report.objects.exclude(status=ReportStatus.DRAFT),
            path_lookup="unit__path",
        )
