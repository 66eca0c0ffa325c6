from .models import PluginReading


def readings(user):
    return [{"matricola": "M1", "lettura": 42, "utente": user.get_username()}]


def readings_since(since):
    yield ("reading_id", "serial", "value")
    for reading in PluginReading.objects.order_by("pk"):
        yield (f"T{reading.pk}", reading.serial, reading.value)
