from django.http import HttpResponse
from django.urls import path


def readings(request):
    return HttpResponse("letture di prova")


app_name = "plugin_app"
urlpatterns = [path("", readings, name="list")]
