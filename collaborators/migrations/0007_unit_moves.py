# The branch-move facts (collaborators.models.moves.UnitMove).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("collaborators", "0006_search_trgm"),
    ]

    operations = [
        migrations.CreateModel(
            name="UnitMove",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("moved_on", models.DateField(verbose_name="moved on")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "moved_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "new_parent",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="collaborators.unit",
                        verbose_name="new parent",
                    ),
                ),
                (
                    "old_parent",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="collaborators.unit",
                        verbose_name="previous parent",
                    ),
                ),
                (
                    "unit",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="moves",
                        to="collaborators.unit",
                        verbose_name="unit",
                    ),
                ),
            ],
            options={
                "verbose_name": "unit move",
                "verbose_name_plural": "unit moves",
                "ordering": ["moved_on", "pk"],
                "indexes": [models.Index(fields=["moved_on"], name="unit_move_day_idx")],
            },
        ),
    ]
