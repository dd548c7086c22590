"""Every write to units and people goes through these functions (keyword-only, atomic)."""

from collaborators.services.imports import (
    import_confirm,
    import_discard,
    import_preview,
    import_template,
    roster_export_stream,
)
from collaborators.services.people import user_create
from collaborators.services.units import unit_create, unit_get_or_create

__all__ = [
    "import_confirm",
    "import_discard",
    "import_preview",
    "import_template",
    "roster_export_stream",
    "unit_create",
    "unit_get_or_create",
    "user_create",
]
