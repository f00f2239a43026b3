from django.urls import path

from articles import export_views, views

app_name = "articles"

urlpatterns = [
    path("", views.search, name="search"),
    path("articles/<int:pk>/", views.article_detail, name="detail"),
    path("preferences/digits/", views.set_digits, name="set_digits"),
    path("export/", export_views.export, name="export"),
    path("export/start/", export_views.export_start, name="export_start"),
    path("exports/<int:pk>/", export_views.export_status, name="export_status"),
    path("exports/<int:pk>/download/", export_views.export_download, name="export_download"),
]
