urlpatterns = []  # owned by the issue that fills it
