from django.urls import path

from simulator import views

app_name = "simulator"

urlpatterns = [
    path("", views.simulator, name="simulator"),
    path("runs/<int:pk>/", views.run, name="run"),
    path("runs/<int:pk>/<slug:name>.png", views.plot, name="plot"),
]
