"""bench/generate_feed.py: the feed the benchmark and these tests use is valid and repeatable."""

import csv
from collections import Counter
from datetime import date

from stdnum.it import codicefiscale, iva

from bench.generate_feed import codice_fiscale, generate, partita_iva


def read(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_same_seed_same_files(tmp_path):
    generate(tmp_path / "a", 300, 480, seed=4)
    generate(tmp_path / "b", 300, 480, seed=4)
    generate(tmp_path / "c", 300, 480, seed=5)
    for name in ("customers.csv", "contracts.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
        assert (tmp_path / "a" / name).read_bytes() != (tmp_path / "c" / name).read_bytes()


def test_generated_rows_are_valid_and_realistic(tmp_path):
    generate(tmp_path, 2000, 3200, seed=1)
    customers = read(tmp_path / "customers.csv")
    contracts = read(tmp_path / "contracts.csv")
    assert len(customers) == 2000 and len(contracts) == 3200

    kinds = Counter(c["kind"] for c in customers)
    assert 0.8 < kinds["person"] / 2000 < 0.9
    for c in customers:
        if c["kind"] == "person":
            assert codicefiscale.is_valid(c["codice_fiscale"]), c
        else:
            assert iva.is_valid(c["partita_iva"]), c
            assert c["codice_fiscale"] in ("", c["partita_iva"])
    assert len({c["partita_iva"] for c in customers if c["partita_iva"]}) == kinds["company"]

    per_holder = Counter(c["customer_code"] for c in contracts)
    assert set(per_holder.values()) == {1, 2, 3}
    assert set(per_holder) == {c["customer_code"] for c in customers}
    assert {c["service"] for c in contracts} == {"water", "waste"}
    assert {c["use"] for c in contracts} == {"domestic", "non_domestic"}
    statuses = Counter(c["status"] for c in contracts)
    assert 0.05 < statuses["terminated"] / 3200 < 0.15
    assert all(c["end_date"] for c in contracts if c["status"] == "terminated")
    assert len({c["service_code"] for c in contracts}) == 3200


def test_codice_fiscale_follows_the_rules():
    # Mario Rossi, male, born 10 December 1985 in Padova (G224).
    cf = codice_fiscale("Mario", "Rossi", False, date(1985, 12, 10), "G224")
    assert cf[:15] == "RSSMRA85T10G224"
    assert codicefiscale.is_valid(cf)
    # A woman's day of birth is increased by 40; omocodia replaces digits with letters.
    assert codice_fiscale("Giulia", "Zanon", True, date(1990, 4, 3), "A001")[:11] == "ZNNGLI90D43"
    omocodic = codice_fiscale("Mario", "Rossi", False, date(1985, 12, 10), "G224", 2)
    assert omocodic[:15] == "RSSMRA85T10G2NQ"  # 4 -> Q, 2 -> N
    assert codicefiscale.is_valid(omocodic)
    assert iva.is_valid(partita_iva(1234567, "028"))
