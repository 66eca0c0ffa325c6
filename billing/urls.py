from django.urls import path, register_converter

from . import views
from .models import bill_ref, number_of_ref


class BillRefConverter:
    """A bill in a URL: bill_ref(number) there, the number in the view."""

    regex = "[A-Za-z0-9_-]{1,80}"

    def to_python(self, value):
        return number_of_ref(value)

    def to_url(self, value):
        return bill_ref(value)


register_converter(BillRefConverter, "bill")

app_name = "billing"
urlpatterns = [
    path("<uuid:uid>/", views.bill_list, name="list"),
    path("documento/<bill:number>/", views.bill_detail, name="bill"),
    path("documento/<bill:number>/pdf/", views.bill_pdf, name="pdf"),
]
