from django.urls import path

from bordermonitor.linkage import views

urlpatterns = [
    path("matching/review/", views.review_queue_view, name="linkage-review"),
    path("matching/review/decide/", views.decide_view, name="linkage-decide"),
    path("matching/links/undo/", views.undo_view, name="linkage-undo"),
]
