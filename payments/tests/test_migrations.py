"""payments 0004: the refund permission of an existing database gets its new label."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

OLD = "Può segnare un pagamento come rimborsato"
NEW = "Può rimborsare un pagamento"


def _migrate(*targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(list(targets) or executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_refund_permission_is_renamed_both_ways():
    permission = Permission.objects.get(codename="refund_payment")
    assert permission.name == NEW
    try:
        _migrate(("payments", "0003_refund_through_gateway"))
        permission.refresh_from_db()
        assert permission.name == OLD
        _migrate(("payments", "0004_refund_permission_label"))
        permission.refresh_from_db()
        assert permission.name == NEW
    finally:
        _migrate()  # every app back at its latest migration, for the tests that follow
