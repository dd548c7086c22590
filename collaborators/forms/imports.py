"""The roster import's upload form."""

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from core import uploads
from core.spreadsheets import MAX_ROWS, MAX_UPLOAD_BYTES


class ImportUploadForm(forms.Form):
    # Checked by the one upload rule (core.uploads): an Excel workbook without macros, or CSV text.
    file = uploads.UploadField(label=_("Spreadsheet file"), use=uploads.ROSTER_IMPORT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("Excel (.xlsx) or CSV, at most %(size)s MB and %(rows)s rows.") % {
            "size": min(MAX_UPLOAD_BYTES // 2**20, uploads.ROSTER_IMPORT.max_mb),
            "rows": number_format(MAX_ROWS, force_grouping=True),
        }
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the template's <form> has its token
