from django.contrib import admin
from django.urls import include, path

from articles.admin import hide_third_party_models

hide_third_party_models()

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("articles.urls")),
]
