from django_tasks import task

from . import services


@task()
def purge_unconfirmed_user(user_id):
    """Seven days after registering: delete the profile if it was never confirmed."""
    return "deleted" if services.purge_unconfirmed(user_id=user_id) else "kept"


@task()
def send_password_reset(identifier):
    """ "Richiedi nuova password": the lookup, the link and the mail, off the request, so an
    existing profile and an unknown name take the page the same time."""
    services.request_password_reset(identifier=identifier)
