from rest_framework.routers import SimpleRouter

from complaints import api

router = SimpleRouter()
router.register("tickets", api.TicketViewSet, basename="ticket")
router.register("return-visits", api.ReturnVisitViewSet, basename="return-visit")
router.register("assessments", api.AssessmentViewSet, basename="assessment")
router.register("notifications", api.NotificationViewSet, basename="notification")

urlpatterns = router.urls
