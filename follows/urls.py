from django.urls import path

from follows import views

app_name = "follows"

urlpatterns = [
    path("", views.follow_list, name="list"),
    path("remove/", views.follow_remove, name="remove"),
]
