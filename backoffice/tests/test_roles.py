"""The roles the migrations create are the ones accounts.staff.ROLES and the installed apps'
registrations describe."""

from django.contrib.auth.models import Group

from accounts.staff import ROLES, role_permissions


def test_the_migration_creates_the_three_roles_with_their_permissions(db):
    groups = {g.name: g for g in Group.objects.prefetch_related("permissions__content_type")}
    assert set(ROLES) <= set(groups)
    for name, perms in role_permissions().items():
        found = {f"{p.content_type.app_label}.{p.codename}" for p in groups[name].permissions.all()}
        assert found == set(perms), name
        assert "accounts.access_backoffice" in found


def test_personas_have_their_role(charlie, diana):
    assert list(charlie.groups.values_list("name", flat=True)) == ["Operatore servizio clienti"]
    assert list(diana.groups.values_list("name", flat=True)) == ["Amministratore"]
    assert not diana.is_superuser  # her rights are the role's


def test_the_pratiche_operator_is_told_what_they_can_do(client_as):
    response = client_as("pratiche").get("/backoffice/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Operatore pratiche" in html
    assert "/pratiche/gestione/" in html  # the pratiche app's queue
    assert "/backoffice/utenti/" not in html


def test_the_menu_shows_only_what_the_role_may_use(client_as):
    html = client_as("cs").get("/backoffice/").content.decode()
    assert "/backoffice/utenti/" in html and "/posta/" in html
    for hidden in ("/backoffice/flussi/", "/backoffice/personale/", "/backoffice/registro/"):
        assert hidden not in html
    assert 'href="/gestione/"' not in html  # the Django administration
    html = client_as("admin").get("/backoffice/").content.decode()
    for shown in ("/backoffice/flussi/", "/backoffice/personale/", "/backoffice/registro/"):
        assert shown in html
    assert 'href="/gestione/"' in html
