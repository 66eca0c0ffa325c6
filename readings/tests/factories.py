import factory

from customers.tests.factories import ContractFactory
from readings.models import Meter, Reading


class MeterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meter

    serial = factory.Sequence(lambda n: f"M{700000 + n}")
    contract = factory.SubFactory(ContractFactory)
    kind = Meter.Kind.DIRECT
    digits = 5


class ReadingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reading

    meter = factory.SubFactory(MeterFactory)
    contract = factory.LazyAttribute(lambda o: o.meter.contract)
    source = Reading.Source.OPERATOR
    status = Reading.Status.VALIDATED
    value = 100
    feed_key = factory.LazyAttribute(lambda o: Reading.key(o.meter.serial, o.read_on, o.source))
