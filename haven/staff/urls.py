"""Staff register and wellbeing URLs (register entries by uid, never a name)."""

from django.urls import path

from haven.staff import views

app_name = "staff"

urlpatterns = [
    path("", views.member_list, name="list"),
    path("new/", views.member_create, name="create"),
    path("<uuid:uid>/", views.member_detail, name="detail"),
    path("<uuid:uid>/edit/", views.member_update, name="update"),
    path("<uuid:uid>/trainings/", views.training_add, name="training_add"),
    path("wellbeing/", views.wellbeing, name="wellbeing"),
    path("wellbeing/check-in/", views.wellbeing_check_in, name="wellbeing_check_in"),
    path("wellbeing/<uuid:uid>/", views.wellbeing_member, name="wellbeing_member"),
    path("wellbeing/<uuid:uid>/offer/", views.wellbeing_offer, name="wellbeing_offer"),
    path("wellbeing/summary/", views.wellbeing_summary, name="wellbeing_summary"),
]
