"""Routes of the stations app, included at /api/v1/ by heatservice.api_urls."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from stations.api import HouseholdViewSet, PolicyView, TokenView

router = SimpleRouter()
router.register("households", HouseholdViewSet, basename="household")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    path("policy/", PolicyView.as_view(), name="policy"),
    *router.urls,
]
