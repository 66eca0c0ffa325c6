#!/usr/bin/env python3
"""Generate a realistic billing-system feed (CONTRACT.md section 5) for benchmarks and tests.

    .venv/bin/python bench/generate_feed.py DIR --holders 250000 --contracts 400000 [--seed 1]

Writes DIR/customers.csv and DIR/contracts.csv: Italian names, valid codici fiscali (a few
omocodic) and partite IVA computed with python-stdnum's check digits, municipalities of the
Padua area, 85 % persons and 15 % companies, 1 to 3 contracts per holder mixing water and waste,
domestic and non-domestic, about one in ten terminated. The same seed gives the same files,
byte for byte. E-mail addresses use the reserved example.* domains.
"""

import argparse
import csv
import random
import sys
import unicodedata
from datetime import date, timedelta
from pathlib import Path

from stdnum import luhn
from stdnum.it import codicefiscale

CUSTOMER_COLUMNS = [
    "customer_code",
    "kind",
    "first_name",
    "last_name",
    "company_name",
    "codice_fiscale",
    "partita_iva",
    "email",
    "phone",
    "address",
]
CONTRACT_COLUMNS = [
    "service_code",
    "customer_code",
    "service",
    "use",
    "supply_address",
    "municipality",
    "status",
    "tariff",
    "direct_debit",
    "start_date",
    "end_date",
]

# Municipality, postcode, cadastral (Belfiore) code: the place of birth in a codice fiscale.
MUNICIPALITIES = [
    ("Padova", "35100", "G224"),
    ("Abano Terme", "35031", "A001"),
    ("Albignasego", "35020", "A161"),
    ("Cadoneghe", "35010", "B345"),
    ("Campodarsego", "35011", "B564"),
    ("Camposampiero", "35012", "B563"),
    ("Cittadella", "35013", "C743"),
    ("Conselve", "35026", "C964"),
    ("Curtarolo", "35010", "D226"),
    ("Este", "35042", "D442"),
    ("Limena", "35010", "E592"),
    ("Mestrino", "35035", "F161"),
    ("Monselice", "35043", "F382"),
    ("Montagnana", "35044", "F394"),
    ("Noventa Padovana", "35027", "F962"),
    ("Piazzola sul Brenta", "35016", "G587"),
    ("Piove di Sacco", "35028", "G693"),
    ("Ponte San Nicolò", "35020", "G855"),
    ("Rubano", "35030", "H622"),
    ("Saonara", "35020", "I418"),
    ("Selvazzano Dentro", "35030", "I595"),
    ("Teolo", "35037", "L100"),
    ("Trebaseleghe", "35010", "L349"),
    ("Vigodarzere", "35010", "L878"),
    ("Vigonza", "35010", "L892"),
    ("Villa del Conte", "35010", "L937"),
]
# Padova is the largest: weight it so a third of the holders live there.
MUNICIPALITY_WEIGHTS = [30] + [3] * (len(MUNICIPALITIES) - 1)

MALE_NAMES = [
    "Marco", "Andrea", "Luca", "Giovanni", "Francesco", "Alessandro", "Matteo", "Lorenzo",
    "Stefano", "Paolo", "Davide", "Giuseppe", "Antonio", "Roberto", "Massimo", "Fabio",
    "Simone", "Nicola", "Riccardo", "Michele", "Alberto", "Enrico", "Giorgio", "Filippo",
    "Tommaso", "Daniele", "Federico", "Mattia", "Emanuele", "Gianni", "Renzo", "Silvano",
    "Bruno", "Luigi", "Sergio", "Franco", "Mario", "Angelo", "Pietro", "Carlo", "Ivano",
    "Loris", "Moreno", "Dario", "Elia",
]  # fmt: skip
FEMALE_NAMES = [
    "Giulia", "Francesca", "Chiara", "Sara", "Laura", "Elena", "Valentina", "Martina",
    "Alessandra", "Federica", "Silvia", "Anna", "Maria", "Paola", "Roberta", "Monica",
    "Cristina", "Barbara", "Elisa", "Giorgia", "Marta", "Alice", "Beatrice", "Ilaria", "Serena",
    "Lucia", "Caterina", "Giovanna", "Rosa", "Teresa", "Antonella", "Daniela", "Michela",
    "Emma", "Sofia", "Aurora", "Nicoletta", "Lorena", "Mirella", "Graziella", "Rita", "Luisa",
    "Irene",
]  # fmt: skip
SURNAMES = [
    "Rossi", "Zanon", "Bortolami", "Favaro", "Pavan", "Zanella", "Schiavon", "Baldan",
    "Trevisan", "Zambon", "Marcato", "Tonello", "Scarpa", "Bertin", "Rizzo", "Ferro",
    "Carraro", "Gallo", "Menegazzo", "Bellin", "Toffanin", "Zorzi", "Boscolo", "Bonato",
    "Cecchinato", "Gasparini", "Milan", "Pizzato", "Sartori", "Dal Santo", "De Marchi",
    "Barison", "Benetti", "Bettio", "Bovo", "Canton", "Cazzaro", "Destro", "Fabris",
    "Fincato", "Gobbo", "Griggio", "Lazzaro", "Lorenzin", "Mason", "Miotto", "Nalesso",
    "Pegoraro", "Piva", "Rampazzo", "Salvato", "Sinigaglia", "Stocco", "Tognon", "Varotto",
    "Zago", "Zecchin", "Ruzzante", "D'Angelo", "Dall'Igna", "Nicolè", "Mazzucato", "Zilio",
]  # fmt: skip
STREETS = [
    "Via Roma", "Via Garibaldi", "Via Giuseppe Mazzini", "Via Dante Alighieri",
    "Via Guglielmo Marconi", "Via Giacomo Matteotti", "Piazza della Repubblica",
    "Via San Francesco", "Via del Santo", "Via Chiesa", "Via Brenta", "Via dei Colli",
    "Via Euganea", "Via Monte Grappa", "Via Vittorio Veneto", "Via Cavour",
    "Via XX Settembre", "Via IV Novembre", "Via Papa Giovanni XXIII", "Via Piave",
    "Via Tiziano Aspetti", "Via Altinate", "Corso Milano", "Via delle Industrie",
    "Via dell'Artigianato", "Via Bassa", "Via Ca' Nove", "Via Pontevigodarzere",
]  # fmt: skip
ACTIVITIES = [
    "Impianti", "Costruzioni", "Trasporti", "Alimentari", "Serramenti", "Meccanica",
    "Arredamenti", "Elettrotecnica", "Idraulica", "Ortofrutta", "Tipografia", "Autofficina",
]  # fmt: skip
FORMS = ["S.r.l.", "S.r.l.", "S.r.l.", "S.n.c.", "S.a.s.", "S.p.A."]
SHOPS = ["Pizzeria", "Bar", "Trattoria", "Panificio", "Gelateria", "Hotel"]
PROVINCE_OFFICES = ["028"] * 8 + ["024", "026", "027"]  # Padova, Vicenza, Treviso, Venezia
EMAIL_DOMAINS = ["example.com", "example.net", "example.org"]

TARIFFS = {
    ("water", "domestic"): [
        "Concessioni Domestiche Residenti",
        "Concessioni Domestiche Residenti",
        "Concessioni Domestiche Non Residenti",
    ],
    ("water", "non_domestic"): [
        "Uso Commerciale e Artigianale",
        "Uso Industriale",
        "Uso Agricolo e Zootecnico",
        "Uso Pubblico",
    ],
    ("waste", "domestic"): [f"TARIP Domestica - {n} componenti" for n in (1, 2, 2, 3, 3, 4, 5)],
    ("waste", "non_domestic"): [
        "TARIP Non Domestica - Cat. 11 Uffici, agenzie",
        "TARIP Non Domestica - Cat. 16 Ristoranti, trattorie, pizzerie",
        "TARIP Non Domestica - Cat. 17 Bar, caffè, pasticceria",
        "TARIP Non Domestica - Cat. 20 Attività industriali",
        "TARIP Non Domestica - Cat. 21 Attività artigianali",
    ],
}

MONTHS = "ABCDEHLMPRST"
OMOCODIC_LETTERS = "LMNPQRSTUV"
CF_DIGIT_POSITIONS = (14, 13, 12, 10, 9, 7, 6)  # replaced right to left by omocodia
VOWELS = set("AEIOU")


def _letters(text):
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return [c for c in plain.upper() if c.isalpha()]


def _surname_code(surname):
    letters = _letters(surname)
    consonants = [c for c in letters if c not in VOWELS]
    vowels = [c for c in letters if c in VOWELS]
    return "".join(consonants + vowels + ["X"] * 3)[:3]


def _name_code(name):
    letters = _letters(name)
    consonants = [c for c in letters if c not in VOWELS]
    if len(consonants) >= 4:
        return consonants[0] + consonants[2] + consonants[3]
    vowels = [c for c in letters if c in VOWELS]
    return "".join(consonants + vowels + ["X"] * 3)[:3]


def codice_fiscale(first_name, last_name, female, born, place, omocodic=0):
    """The codice fiscale of a person, check character from python-stdnum; `omocodic`
    replaces that many digits with letters, as the tax office does for duplicates."""
    day = born.day + (40 if female else 0)
    body = (
        f"{_surname_code(last_name)}{_name_code(first_name)}"
        f"{born.year % 100:02d}{MONTHS[born.month - 1]}{day:02d}{place}"
    )
    if omocodic:
        chars = list(body)
        for position in CF_DIGIT_POSITIONS[:omocodic]:
            chars[position] = OMOCODIC_LETTERS[int(chars[position])]
        body = "".join(chars)
    return body + codicefiscale.calc_check_digit(body)


def partita_iva(company_number, office):
    """A partita IVA: 7-digit company number, 3-digit office, Luhn check digit (stdnum)."""
    first10 = f"{company_number:07d}{office}"
    return first10 + luhn.calc_check_digit(first10)


class FeedGenerator:
    def __init__(self, seed=1):
        self.rng = random.Random(seed)
        # Company numbers: distinct by construction, spread so they do not look sequential.
        self.next_company = self.rng.randrange(1_000_000, 2_000_000)

    def place(self):
        return self.rng.choices(MUNICIPALITIES, MUNICIPALITY_WEIGHTS)[0]

    def street(self):
        rng = self.rng
        number = rng.randrange(1, 200)
        # Some addresses carry a comma, so the CSV needs quoting (RFC 4180).
        return (
            f"{rng.choice(STREETS)}, {number}"
            if rng.random() < 0.3
            else (f"{rng.choice(STREETS)} {number}")
        )

    def phone(self):
        rng = self.rng
        roll = rng.random()
        if roll < 0.35:
            return f"049 {rng.randrange(1000000, 9999999)}"
        if roll < 0.75:
            return f"3{rng.randrange(20, 99)} {rng.randrange(100, 999)} {rng.randrange(1000, 9999)}"
        return ""

    def birth_date(self):
        return date(1935, 1, 1) + timedelta(days=self.rng.randrange(0, 365 * 72))

    def person(self, code):
        rng = self.rng
        female = rng.random() < 0.5
        first = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
        last = rng.choice(SURNAMES)
        town, postcode, belfiore = self.place()
        birthplace = belfiore if rng.random() < 0.7 else self.place()[2]
        omocodic = rng.choice((1, 2, 3)) if rng.random() < 0.002 else 0
        cf = codice_fiscale(first, last, female, self.birth_date(), birthplace, omocodic)
        email = ""
        if rng.random() < 0.6:
            local = "".join(_letters(first)).lower() + "." + "".join(_letters(last)).lower()
            email = f"{local}{rng.randrange(1, 99)}@{rng.choice(EMAIL_DOMAINS)}"
        address = f"{self.street()}, {postcode} {town} (PD)"
        row = [code, "person", first, last, "", cf, "", email, self.phone(), address]
        return row, town

    def company(self, code):
        rng = self.rng
        self.next_company += rng.randrange(1, 7)
        piva = partita_iva(self.next_company, rng.choice(PROVINCE_OFFICES))
        surname = rng.choice(SURNAMES)
        if rng.random() < 0.2:
            name = f'{rng.choice(SHOPS)} "Da {rng.choice(MALE_NAMES)}" di {surname} & C. S.n.c.'
        else:
            name = f"{surname} {rng.choice(ACTIVITIES)} {rng.choice(FORMS)}"
        cf = piva if rng.random() < 0.8 else ""
        town, postcode, _ = self.place()
        email = f"amministrazione@{_slug(surname)}{rng.randrange(1, 999)}.example.com"
        address = f"{self.street()}, {postcode} {town} (PD)"
        row = [code, "company", "", "", name, cf, piva, email, self.phone(), address]
        return row, town

    def contract(self, service_code, customer_code, kind, home_town, first):
        rng = self.rng
        # Every holder has water; a second or third contract is mostly waste.
        service = "water" if first or rng.random() >= 0.7 else "waste"
        if kind == "person":
            use = "domestic" if rng.random() < 0.95 else "non_domestic"
        else:
            use = "non_domestic" if rng.random() < 0.9 else "domestic"
        town = home_town if rng.random() < 0.85 else self.place()[0]
        start = date(1990, 1, 1) + timedelta(days=rng.randrange(0, 365 * 36))
        roll = rng.random()
        end = ""
        if roll < 0.10:
            status = "terminated"
            end = (start + timedelta(days=rng.randrange(30, 3000))).isoformat()
        elif roll < 0.12:
            status = "suspended"
        else:
            status = "active"
        return [
            service_code,
            customer_code,
            service,
            use,
            self.street(),
            town,
            status,
            rng.choice(TARIFFS[service, use]),
            "yes" if rng.random() < 0.45 else "no",
            start.isoformat(),
            end,
        ]

    def contract_counts(self, holders, contracts):
        """How many contracts each holder has: 1 to 3, adding up to `contracts`."""
        if contracts > 3 * holders:
            raise ValueError("at most 3 contracts per holder")
        if contracts <= holders:
            return bytearray([1] * contracts + [0] * (holders - contracts))
        counts = bytearray([1] * holders)
        extra = contracts - holders
        while extra:
            i = self.rng.randrange(holders)
            if counts[i] < 3:
                counts[i] += 1
                extra -= 1
        return counts

    def write(self, directory, holders, contracts):
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        counts = self.contract_counts(holders, contracts)
        serial = {"water": 0, "waste": 0}
        with (
            open(directory / "customers.csv", "w", encoding="utf-8", newline="") as cf,
            open(directory / "contracts.csv", "w", encoding="utf-8", newline="") as kf,
        ):
            customers = csv.writer(cf)
            agreements = csv.writer(kf)
            customers.writerow(CUSTOMER_COLUMNS)
            agreements.writerow(CONTRACT_COLUMNS)
            for i in range(holders):
                code = f"{1_000_000 + i}"
                is_company = self.rng.random() < 0.15
                row, town = self.company(code) if is_company else self.person(code)
                customers.writerow(row)
                for n in range(counts[i]):
                    values = self.contract("", code, row[1], town, first=n == 0)
                    service = values[2]
                    serial[service] += 1
                    prefix = "A" if service == "water" else "R"
                    values[0] = f"{prefix}{serial[service]:09d}"
                    agreements.writerow(values)
        return holders, sum(counts)


def _slug(text):
    return "".join(_letters(text)).lower()


def generate(directory, holders, contracts, seed=1):
    """Write customers.csv and contracts.csv into `directory`; returns (holders, contracts)."""
    return FeedGenerator(seed).write(directory, holders, contracts)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("directory", type=Path, metavar="DIR")
    p.add_argument("--holders", type=int, default=1000, help="customers.csv rows (1000)")
    p.add_argument("--contracts", type=int, default=1600, help="contracts.csv rows (1600)")
    p.add_argument("--seed", type=int, default=1, help="same seed, same files (1)")
    args = p.parse_args(argv)
    if args.holders < 0 or args.contracts < 0:
        p.error("--holders and --contracts cannot be negative")
    if args.contracts > 3 * args.holders:
        p.error("--contracts is at most 3 x --holders (1 to 3 contracts per holder)")
    holders, contracts = generate(args.directory, args.holders, args.contracts, args.seed)
    print(f"{args.directory}: {holders} holders, {contracts} contracts (seed {args.seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
