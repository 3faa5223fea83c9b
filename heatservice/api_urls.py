from django.urls import include, path

urlpatterns = [
    path("", include("stations.urls")),
    path("", include("complaints.urls")),
]
