from django.urls import path

from bordermonitor.accounts import views, views_signin

urlpatterns = [
    path("audit/", views.audit_list_view, name="audit-list"),
    path("sign-in/code/", views_signin.second_factor_view, name="second-factor"),
    path("sign-in/enrol/", views_signin.enrol_view, name="second-factor-enrol"),
    path("confirm-code/", views_signin.step_up_view, name="step-up"),
    path("password/", views_signin.password_change_view, name="password-change"),
    path("tokens/", views_signin.token_list_view, name="token-list"),
    path("tokens/revoke/", views_signin.token_revoke_view, name="token-revoke"),
]
