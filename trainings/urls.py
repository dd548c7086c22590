from django.urls import path

from trainings import views

app_name = "trainings"

urlpatterns = [
    path("", views.session_list, name="list"),
    path("month/", views.session_month, name="month"),
    path("new/", views.session_create, name="create"),
    path("feed/", views.feed_page, name="feed_page"),
    path("feed/<str:token>.ics", views.feed, name="feed"),
    path("<int:pk>/", views.session_detail, name="detail"),
    path("<int:pk>/edit/", views.session_edit, name="edit"),
    path("<int:pk>/publish/", views.session_publish, name="publish"),
    path("<int:pk>/history/", views.session_history, name="history"),
    path("<int:pk>/cancel/", views.session_cancel, name="cancel"),
    path("<int:pk>/calendar.ics", views.session_ics, name="ics"),
    path("<int:pk>/register/", views.register, name="register"),
    path("<int:pk>/unregister/", views.unregister, name="unregister"),
    path("<int:pk>/attendance/", views.attendance, name="attendance"),
    path("<int:pk>/attendance/sheet/", views.attendance_sheet, name="attendance_sheet"),
    path("<int:pk>/attendance/<int:registration_id>/", views.attendance_mark, name="attendance_mark"),
    path("<int:pk>/attendance/<int:registration_id>/remove/", views.registration_remove, name="registration_remove"),
    path("<int:pk>/checkin/", views.checkin, name="checkin"),
    path("<int:pk>/checkin/display/", views.checkin_display, name="checkin_display"),
    path("<int:pk>/checkin/qr.svg", views.checkin_qr, name="checkin_qr"),
    path("<int:pk>/materials/", views.material_add, name="material_add"),
    path("<int:pk>/materials/<int:material_id>/", views.material_download, name="material_download"),
    path("<int:pk>/materials/<int:material_id>/delete/", views.material_delete, name="material_delete"),
    path("<int:pk>/feedback/", views.feedback, name="feedback"),
    path("<int:pk>/results/", views.results, name="results"),
    path("<int:pk>/certificate/", views.certificate, name="certificate"),
    path("<int:pk>/certificate/<int:person_id>/", views.certificate, name="certificate_for"),
]
