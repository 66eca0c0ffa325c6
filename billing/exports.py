"""What billing gives "Scarica i miei dati": the bills of the contracts a user linked."""

from customers.models import ContractLink

from . import selectors
from .money import BillStatus, euro


def bills_of_user(user):
    """One dict per bill of the user's linked contracts (the last two years), as the pages
    show it."""
    out = []
    links = ContractLink.objects.filter(user=user).select_related("contract")
    for link in links:
        for row in selectors.recent_bills(link.contract):
            out.append(
                {
                    "Codice servizio": link.contract.service_code,
                    "Documento": row.number,
                    "Data di emissione": row.issued_on.strftime("%d/%m/%Y"),
                    "Scadenza": row.due_on.strftime("%d/%m/%Y"),
                    "Importo totale dovuto": euro(row.amount),
                    "Importo totale pagato": euro(row.paid),
                    "Stato": str(BillStatus(row.status).label),
                }
            )
    return out
