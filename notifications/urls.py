from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<int:pk>/open/", views.notification_open, name="open"),
    path("read-all/", views.notification_read_all, name="read_all"),
    path("preferences/", views.preferences, name="preferences"),
    path("preferences/phone/code/", views.phone_code_send, name="phone_code_send"),
    path("preferences/phone/verify/", views.phone_code_verify, name="phone_code_verify"),
    path("push/subscribe/", views.push_subscribe, name="push_subscribe"),
    path("callbacks/sms/", views.delivery_callback, {"channel": "sms"}, name="sms_callback"),
    path("callbacks/zalo/", views.delivery_callback, {"channel": "zalo"}, name="zalo_callback"),
    path("deliveries/", views.delivery_list, name="deliveries"),
]
