from django.urls import path

from wechat import callback, views

app_name = "wechat"
urlpatterns = [
    path("callback/", callback.callback, name="callback"),
    path("oauth/start/", views.oauth_start, name="oauth_start"),
    path("oauth/callback/", views.oauth_callback, name="oauth_callback"),
    path("login/<str:token>/", views.login_link, name="login_link"),
    path("link/", views.link_choice, name="link_choice"),
    path("link/complete/", views.link_complete, name="link_complete"),
    path("voice/<int:voice_id>/", views.voice_confirm, name="voice_confirm"),
    path("voice/<int:voice_id>/audio.mp3", views.voice_audio, name="voice_audio"),
    path("voice/msg/<str:msg_id>/", views.voice_by_msg, name="voice_by_msg"),
    path("jssdk/signature/", views.jssdk_signature, name="jssdk_signature"),
    path("jssdk/voice/", views.jssdk_voice, name="jssdk_voice"),
]
