"""/roster/units/: the tree, a unit's page, admin actions and history."""

from django.urls import path

from collaborators.views import units

urlpatterns = [
    path("", units.unit_tree, name="unit_tree"),
    path("new/", units.unit_create, name="unit_create"),
    path("pick/", units.unit_pick, name="unit_pick"),
    path("options.json", units.unit_options, name="unit_options"),
    path("<int:pk>/", units.unit_detail, name="unit_detail"),
    path("<int:pk>/children/", units.unit_children, name="unit_children"),
    path("<int:pk>/edit/", units.unit_edit, name="unit_edit"),
    path("<int:pk>/move/", units.unit_move, name="unit_move"),
    path("<int:pk>/dissolve/", units.unit_dissolve, name="unit_dissolve"),
    path("<int:pk>/merge/", units.unit_merge, name="unit_merge"),
    path("<int:pk>/split/", units.unit_split, name="unit_split"),
    path("<int:pk>/history/", units.unit_history, name="unit_history"),
]
