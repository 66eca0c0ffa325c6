"""The forms of "Le mie pratiche": the base every catalogue form shares (base.py), the
catalogue (catalogue.py) and the forms around it (workflow.py)."""

from .base import FILE_HELP, PraticaForm, clean_iban, mandate_text
from .catalogue import FORMS, GROUPS
from .workflow import AssignForm, DeliveryForm, IntegrationForm, NoteForm, QueueFilterForm

__all__ = [
    "FILE_HELP", "FORMS", "GROUPS", "AssignForm", "DeliveryForm", "IntegrationForm",
    "NoteForm", "PraticaForm", "QueueFilterForm", "clean_iban", "mandate_text",
]  # fmt: skip
