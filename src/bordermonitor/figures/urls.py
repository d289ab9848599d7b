from django.urls import path

from bordermonitor.figures import views

urlpatterns = [
    path("figures/", views.figures_view, name="figures-dashboard"),
    path("figures/chart.svg", views.chart_view, name="figures-chart"),
    path("figures/table.csv", views.csv_view, name="figures-csv"),
    path("figures/report/narrative/", views.narrative_view, name="figures-narrative"),
]
