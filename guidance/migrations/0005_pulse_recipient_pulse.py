# A recipient row's link to its request for opinion is named "pulse", so that "request" in the code
# always means an HTTP request.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("guidance", "0004_note_file_upload_check"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="pulserecipient",
            name="pulse_recipient_unique",
        ),
        migrations.RenameField(
            model_name="pulserecipient",
            old_name="request",
            new_name="pulse",
        ),
        migrations.AddConstraint(
            model_name="pulserecipient",
            constraint=models.UniqueConstraint(fields=("pulse", "person"), name="pulse_recipient_unique"),
        ),
    ]
