from django.urls import path

from . import views

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
]
