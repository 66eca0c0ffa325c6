from django_tasks import task

from . import services


@task()
def purge_unconfirmed_user(user_id):
    """Seven days after registering: delete the profile if it was never confirmed."""
    return "deleted" if services.purge_unconfirmed(user_id=user_id) else "kept"
