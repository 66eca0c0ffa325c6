import factory
from stdnum import luhn
from stdnum.it import codicefiscale

from customers.models import Contract, ContractLink, Holder


def valid_cf(n):
    base = f"RSSMRA85T10A{n % 1000:03d}"
    return base + codicefiscale.calc_check_digit(base)


def valid_piva(n):
    base = f"{n % 10_000_000:07d}001"
    return base + luhn.calc_check_digit(base)


class HolderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Holder

    customer_code = factory.Sequence(lambda n: f"{100000 + n}")
    kind = Holder.Kind.PERSON
    first_name = "Mario"
    last_name = "Rossi"
    codice_fiscale = factory.Sequence(valid_cf)
    address = "Via Roma 1, 35010 Villa del Conte (PD)"
    checksum = "x"


class CompanyFactory(HolderFactory):
    kind = Holder.Kind.COMPANY
    first_name = ""
    last_name = ""
    company_name = "Trattoria Al Ponte S.r.l."
    codice_fiscale = ""
    partita_iva = factory.Sequence(valid_piva)


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    service_code = factory.Sequence(lambda n: f"{2002000000 + n}")
    holder = factory.SubFactory(HolderFactory)
    service = Contract.Service.WATER
    use = Contract.Use.DOMESTIC
    supply_address = "Via Roma 1"
    municipality = "Villa del Conte"
    status = Contract.Status.ACTIVE
    tariff = "Concessioni Domestiche Residenti"
    checksum = "x"


class LinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContractLink

    contract = factory.SubFactory(ContractFactory)
    declaration_version = "2026-11"
