from django.urls import path

from guidance import views
from guidance.views import pulse as views_pulse

app_name = "guidance"

urlpatterns = [
    path("", views.note_list, name="list"),
    path("new/", views.note_new, name="new"),
    path("answers/", views.my_answers, name="answers"),
    path("<int:pk>/", views.note_detail, name="detail"),
    path("<int:pk>/edit/", views.note_edit, name="edit"),
    path("<int:pk>/publish/", views.note_publish, name="publish"),
    path("<int:pk>/acknowledge/", views.note_acknowledge, name="acknowledge"),
    path("<int:pk>/effect/", views.note_effect, name="effect"),
    path("<int:pk>/history/", views.note_history, name="history"),
    path("<int:pk>/files/<int:file_pk>/", views.note_file, name="file"),
    path("<int:pk>/files/<int:file_pk>/remove/", views.note_file_remove, name="file_remove"),
    # Requests for opinion (pulse)
    path("requests/", views_pulse.pulse_list, name="pulse_list"),
    path("requests/answers/", views_pulse.pulse_answers, name="pulse_answers_in_periods"),
    path("requests/new/", views_pulse.pulse_new, name="pulse_new"),
    path("requests/<int:pk>/", views_pulse.pulse_detail, name="pulse_detail"),
    path("requests/<int:pk>/open/", views_pulse.pulse_open, name="pulse_open"),
    path("requests/<int:pk>/edit/", views_pulse.pulse_edit, name="pulse_edit"),
    path("requests/<int:pk>/cancel/", views_pulse.pulse_cancel, name="pulse_cancel"),
    path("requests/<int:pk>/history/", views_pulse.pulse_history, name="pulse_history"),
    path("requests/<int:pk>/stats/", views_pulse.pulse_stats, name="pulse_stats"),
    path("requests/<int:pk>/answers/", views_pulse.pulse_answers, name="pulse_answers"),
]
