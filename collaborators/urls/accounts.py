"""Login, logout, password change and reset: Django's views with our templates."""

from django.contrib.auth import views as auth_views
from django.urls import path

from collaborators.forms import LoginForm
from collaborators.views import people, security

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password_change/", security.PasswordChangeView.as_view(), name="password_change"),
    path("password_change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password_reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("password_reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", security.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("two-factor/", security.two_factor_verify, name="two_factor_verify"),
    path("two-factor/setup/", security.two_factor_enrol, name="two_factor_enrol"),
    path("consent/", security.consent_renew, name="consent_renew"),
    path("security/", security.account_security, name="account_security"),
    path("security/recovery-codes/", security.recovery_codes_renew, name="recovery_codes_renew"),
    path("security/two-factor-off/", security.two_factor_remove, name="two_factor_remove"),
    path("security/sign-out/", security.sessions_sign_out, name="sessions_sign_out"),
    path("activate/", people.activate_code, name="activate_code"),
    path("activate/<str:token>/", people.activate_link, name="activate_link"),
]
