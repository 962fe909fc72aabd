from django.urls import path

from . import views

app_name = "moderation"
urlpatterns = [
    path("creators/", views.portal, name="portal"),
    path("creators/apply", views.apply, name="apply"),
    path("creators/verify/<str:token>", views.verify, name="verify"),
    path("creators/login", views.PortalLoginView.as_view(), name="login"),
    path("creators/logout", views.logout, name="logout"),
    path("creators/renew", views.renew, name="renew"),
    path("creators/inbox/read", views.inbox_read, name="inbox_read"),
]
