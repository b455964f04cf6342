from django.urls import path

from campaigns import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.login_view, name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/register/", views.register, name="register"),
    path("family/", views.family, name="family"),
    path("family/export/", views.family_export, name="family_export"),
    path("family/children/add/", views.child_add, name="child_add"),
    path("family/children/<int:child_id>/edit/", views.child_edit, name="child_edit"),
    path("family/children/<int:child_id>/delete/", views.child_delete, name="child_delete"),
    path("family/children/<int:child_id>/consent/", views.child_consent, name="child_consent"),
    path("family/notices/<int:notice_id>/read/", views.notice_read, name="notice_read"),
    path("c/<slug:slug>/", views.campaign_page, name="campaign"),
    path("c/<slug:slug>/register/", views.campaign_register, name="campaign_register"),
    path("c/<slug:slug>/join/<str:join_code>/", views.campaign_join, name="campaign_join"),
    path("c/<slug:slug>/lib/<str:code>/", views.branch_page, name="branch"),
    path("c/<slug:slug>/lib/<str:code>/qr.svg", views.branch_qr, name="branch_qr"),
    path("c/<slug:slug>/lib/<str:code>/participants/", views.branch_participants, name="branch_participants"),
    path("prefs/large-text/", views.large_text, name="large_text"),
    path("prefs/elder/", views.elder_mode, name="elder_mode"),
]
