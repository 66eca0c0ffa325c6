"""Write the demo billing feed's bills: demo/feed/bills.csv, payments.csv and one small PDF
per bill under demo/feed/bills/ (made with fpdf2), for the demo contracts of
demo/feed/contracts.csv. The same --today gives the same files, byte for byte."""

import csv
import datetime
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from fpdf import FPDF

from billing.money import euro
from billing.pagopa import check_digits, format_notice

FEED_DIR = Path(settings.BASE_DIR) / "demo" / "feed"

# service_code: (bills a year, amount of each, direct debit, how the bills were paid)
CONTRACTS = {
    "2002002008": (6, Decimal("258.00"), False),
    "3003003001": (4, Decimal("96.40"), False),
    "2002002010": (6, Decimal("74.15"), True),
    "2002002012": (6, Decimal("131.20"), False),
    "5005005001": (6, Decimal("1240.00"), False),
}


def months_back(day, months):
    month = day.month - months
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return day.replace(year=year, month=month, day=1)


def notice_for(code, n):
    prefix = f"3{code[-6:]}{n:09d}"[:16].ljust(16, "0")
    return prefix + check_digits(prefix)


def bills_for(today):
    """[(bill row, payment row or None)] for two years up to `today`."""
    out = []
    # Bills are issued on the 5th: the latest one on the last 5th up to today.
    anchor = today if today.day >= 5 else months_back(today, 1)
    for code, (per_year, amount, debit) in CONTRACTS.items():
        step = 12 // per_year
        count = per_year * 2
        for i in range(count):
            issued = months_back(anchor, step * (count - 1 - i)) + datetime.timedelta(days=4)
            due = issued + datetime.timedelta(days=30)
            period_end = issued.replace(day=1) - datetime.timedelta(days=1)
            period_start = months_back(issued, step)
            number = f"{issued.year}/{code[-4:]}{i + 1:02d}"
            # Amounts vary a little from bill to bill, as real consumption does.
            value = amount + Decimal(i % 5) * Decimal("3.15")
            last = i == count - 1
            notice = notice_for(code, i + 1) if code == "2002002008" and i >= count - 2 else ""
            bill = {
                "number": number,
                "service_code": code,
                "issued_on": issued.isoformat(),
                "due_on": due.isoformat(),
                "period_start": period_start.isoformat(),
                "period_end": period_end.isoformat(),
                "amount": f"{value:.2f}",
                "pdf": f"bills/{number.replace('/', '-')}.pdf",
                "pagopa_notice": notice,
            }
            payment = None
            if debit and due < today:
                payment = (due, value, "direct_debit")
            elif not last and due < today:
                if code == "2002002008" and i == count - 2:
                    payment = None  # overdue, unpaid: "scaduta"
                elif code == "2002002008" and i == count - 3:
                    payment = (due, (value / 2).quantize(Decimal("0.01")), "post_office")
                else:
                    payment = (due - datetime.timedelta(days=3), value, "bank")
            row = None
            if payment:
                row = {
                    "bill_number": number,
                    "paid_on": payment[0].isoformat(),
                    "amount": f"{payment[1]:.2f}",
                    "channel": payment[2],
                }
            out.append((bill, row))
    return out


def bill_pdf(bill, utility, when):
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = "windows-1252"  # the euro sign
    pdf.set_creation_date(datetime.datetime.combine(when, datetime.time(), datetime.UTC))
    pdf.set_title(f"Bolletta {bill['number']}")
    pdf.set_author(utility["name"])
    pdf.add_page()
    pdf.set_font("helvetica", "B", 16)
    pdf.cell(0, 10, utility["name"], new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=10)
    pdf.cell(0, 6, utility["address"], new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font("helvetica", "B", 13)
    pdf.cell(0, 8, f"Bolletta - DOCUMENTO {bill['number']}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=11)
    day = lambda iso: datetime.date.fromisoformat(iso).strftime("%d/%m/%Y")  # noqa: E731
    lines = [
        ("Codice servizio", bill["service_code"]),
        ("Data di emissione", day(bill["issued_on"])),
        ("Periodo", f"{day(bill['period_start'])} - {day(bill['period_end'])}"),
        ("IMPORTO TOTALE DOVUTO", euro(Decimal(bill["amount"])).replace("\u00a0", " ")),
        ("SCADENZA", day(bill["due_on"])),
    ]
    if bill["pagopa_notice"]:
        lines.append(("Codice avviso pagoPA", format_notice(bill["pagopa_notice"])))
    for label, value in lines:
        pdf.cell(70, 7, label)
        pdf.cell(0, 7, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("helvetica", "I", 9)
    pdf.multi_cell(0, 5, "Documento dimostrativo generato per l'ambiente di prova dello Sportello.")
    return bytes(pdf.output())


class Command(BaseCommand):
    help = (
        "Write the demo bills (demo/feed/bills.csv, payments.csv, bills/*.pdf) for two years "
        "up to --today (default: today)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", type=datetime.date.fromisoformat, default=None)
        parser.add_argument("--directory", type=Path, default=FEED_DIR)

    def handle(self, *args, today=None, directory=FEED_DIR, **options):
        today = today or datetime.date.today()
        rows = bills_for(today)
        (directory / "bills").mkdir(parents=True, exist_ok=True)
        for old in (directory / "bills").glob("*.pdf"):
            old.unlink()
        with open(directory / "bills.csv", "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0][0]), lineterminator="\n")
            writer.writeheader()
            for bill, _payment in rows:
                writer.writerow(bill)
                (directory / bill["pdf"]).write_bytes(bill_pdf(bill, settings.UTILITY, today))
        with open(directory / "payments.csv", "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(["bill_number", "paid_on", "amount", "channel"])
            for _bill, payment in rows:
                if payment:
                    writer.writerow(payment.values())
        self.stdout.write(f"{len(rows)} bills written to {directory}")
