from django.urls import path

from bordermonitor.accounts import views

urlpatterns = [
    path("audit/", views.audit_list_view, name="audit-list"),
]
