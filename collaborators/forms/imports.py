"""The roster import's upload form."""

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from core.spreadsheets import MAX_ROWS, MAX_UPLOAD_BYTES


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("Excel (.xlsx) or CSV, at most %(size)s MB and %(rows)s rows.") % {
            "size": MAX_UPLOAD_BYTES // 2**20,
            "rows": number_format(MAX_ROWS, force_grouping=True),
        }
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the template's <form> has its token

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        # Checked before anything reads the content; the reader checks again.
        if uploaded.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)s MB. Split it into smaller files.")
                % {"size": MAX_UPLOAD_BYTES // 2**20}
            )
        return uploaded
