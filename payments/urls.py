from django.urls import path

import billing.urls  # noqa: F401 - registers the <bill:…> converter

from . import sandbox, staff_views, views

app_name = "payments"
urlpatterns = [
    path("bolletta/<bill:number>/", views.pay, name="pay"),
    path("<uuid:uid>/", views.status, name="status"),
    path("<uuid:uid>/ritorno/", views.browser_return, name="return"),
    path("<uuid:uid>/annullato/", views.back, name="back"),
    path("notifica/<slug:provider>/", views.notify, name="notify"),
    path("sandbox/", sandbox.gateway, name="sandbox_gateway"),
    path("sandbox/paga/", sandbox.gateway_pay, name="sandbox_pay"),
    # As the real API's path, without a trailing slash (a POST cannot be redirected to one).
    path("sandbox/ecomm/api/bo/storna", sandbox.storna, name="sandbox_storna"),
    path("operatori/", staff_views.payment_list, name="staff_list"),
    path("operatori/bolletta/<bill:number>/", staff_views.bill_detail, name="staff_bill"),
    path("operatori/<uuid:uid>/", staff_views.payment_detail, name="staff_detail"),
    path("operatori/<uuid:uid>/rimborso/", staff_views.refund, name="staff_refund"),
    path("operatori/<uuid:uid>/rimborsa/", staff_views.refund_online, name="staff_refund_online"),
]
