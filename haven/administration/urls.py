from django.urls import path

from haven.administration import views

app_name = "manage"
urlpatterns = [
    path("accounts/", views.accounts, name="accounts"),
    path("accounts/invite/", views.invite, name="invite"),
    path("accounts/<int:user_id>/", views.account, name="account"),
    path("accounts/<int:user_id>/role/", views.account_role, name="account_role"),
    path("accounts/<int:user_id>/team/", views.account_team, name="account_team"),
    path("accounts/<int:user_id>/disable/", views.account_disable, name="account_disable"),
    path("accounts/<int:user_id>/enable/", views.account_enable, name="account_enable"),
    path("accounts/<int:user_id>/unlock/", views.account_unlock, name="account_unlock"),
    path("accounts/<int:user_id>/second-factor/", views.account_mfa_reset, name="account_mfa_reset"),
    path("accounts/<int:user_id>/invite/", views.account_reinvite, name="account_reinvite"),
    path("accounts/<int:user_id>/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("teams/", views.teams, name="teams"),
    path("teams/<int:team_id>/", views.team, name="team"),
]
