"""Small feeds for the tests: rows built from valid defaults, written as the billing system
writes them (UTF-8 CSV, header row, RFC 4180 quoting)."""

import csv
import io
import warnings
import zipfile
from datetime import date

from bench.generate_feed import (
    CONTRACT_COLUMNS,
    CUSTOMER_COLUMNS,
    codice_fiscale,
    generate,
    partita_iva,
)

# Mario Rossi, born 10/12/1985 in Padova; Giulia Zanon, born 23/04/1990 in Abano Terme.
CF_MARIO = codice_fiscale("Mario", "Rossi", False, date(1985, 12, 10), "G224")
CF_MARIO_OMOCODIC = codice_fiscale("Mario", "Rossi", False, date(1985, 12, 10), "G224", 2)
CF_GIULIA = codice_fiscale("Giulia", "Zanon", True, date(1990, 4, 23), "A001")
PIVA_ACME = partita_iva(1234567, "028")
PIVA_OTHER = partita_iva(7654321, "028")
CF_BAD_CHECK = CF_MARIO[:-1] + ("A" if CF_MARIO[-1] != "A" else "B")


def person(code="C001", **values):
    row = {
        "customer_code": code,
        "kind": "person",
        "first_name": "Mario",
        "last_name": "Rossi",
        "codice_fiscale": CF_MARIO,
        "email": "mario.rossi@example.com",
        "phone": "049 123 4567",
        "address": "Via Roma 1, 35010 Villa del Conte (PD)",
    }
    row.update(values)
    return row


def company(code="C002", **values):
    row = {
        "customer_code": code,
        "kind": "company",
        "company_name": "Acme Depurazioni S.r.l.",
        "codice_fiscale": PIVA_ACME,
        "partita_iva": PIVA_ACME,
        "email": "amministrazione@acme.example.com",
        "address": "Via delle Industrie 5, 35100 Padova (PD)",
    }
    row.update(values)
    return row


def contract(code="A001", customer="C001", **values):
    row = {
        "service_code": code,
        "customer_code": customer,
        "service": "water",
        "use": "domestic",
        "supply_address": "Via Roma 1",
        "municipality": "Villa del Conte",
        "status": "active",
        "tariff": "Concessioni Domestiche Residenti",
        "direct_debit": "yes",
        "start_date": "2015-03-01",
        "end_date": "",
    }
    row.update(values)
    return row


def write_csv(path, rows, columns, encoding="utf-8"):
    """Rows are dicts; `columns` is the header (a column a row lacks is written empty)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_feed(directory, customers=None, contracts=None, **kwargs):
    directory.mkdir(parents=True, exist_ok=True)
    if customers is not None:
        write_csv(
            directory / "customers.csv", customers, kwargs.get("customer_columns", CUSTOMER_COLUMNS)
        )
    if contracts is not None:
        write_csv(
            directory / "contracts.csv", contracts, kwargs.get("contract_columns", CONTRACT_COLUMNS)
        )
    return directory


def generated_feed(directory, holders=40, contracts=64, seed=7):
    generate(directory, holders, contracts, seed)
    return directory


def zip_bytes(entries):
    """entries: {name: bytes} or a list of (ZipInfo or name, bytes)."""
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        warnings.simplefilter("ignore", UserWarning)  # a duplicate name, on purpose
        items = entries.items() if isinstance(entries, dict) else entries
        for name, data in items:
            archive.writestr(name, data)
    buffer.seek(0)
    return buffer
