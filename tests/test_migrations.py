import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration():
    # Exits with SystemExit(1) when makemigrations would write something.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_migrate_restores_the_groups_and_their_permissions():
    from django.contrib.auth.models import Group

    call_command("migrate", "liveblogs", "0001", verbosity=0)
    Group.objects.filter(name__in=["Editors", "Reporters"]).delete()
    call_command("migrate", "liveblogs", verbosity=0)
    assert Group.objects.get(name="Editors").permissions.filter(codename="publish_update").exists()
    assert Group.objects.get(name="Reporters").permissions.filter(codename="add_update").exists()
