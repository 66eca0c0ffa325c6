from feeds.importer import FileSpec, RowError, missing

from .models import PluginReading


def check(values):
    serial, value = values
    if not value.isdigit():
        raise RowError(f"value: non è un numero ({value})" if value else missing("value"))
    return (serial, int(value))


SPEC = FileSpec(
    name="test_readings.csv",
    model=PluginReading,
    key="serial",
    columns=("serial", "value"),
    required=frozenset({"serial", "value"}),
    fields=("serial", "value", "checksum", "updated_at"),
    normalise=lambda values: values,
    checker=lambda importer: check,
    order=30,
)
