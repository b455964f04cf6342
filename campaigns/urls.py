from django.urls import path

from campaigns import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.login_view, name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/register/", views.register, name="register"),
    path("family/", views.family, name="family"),
    path("prefs/large-text/", views.large_text, name="large_text"),
]
