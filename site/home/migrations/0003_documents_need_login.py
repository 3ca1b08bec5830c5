"""Wagtail documents are for signed-in staff only: a login restriction on the root collection,
which every collection inherits (Wagtail then sends anonymous visitors to the login page)."""

from django.db import migrations


def restrict_root_collection(apps, schema_editor):
    collection_model = apps.get_model("wagtailcore.Collection")
    restriction_model = apps.get_model("wagtailcore.CollectionViewRestriction")
    root = collection_model.objects.filter(depth=1).order_by("path").first()
    if root is None or restriction_model.objects.filter(collection=root).exists():
        return
    restriction_model.objects.create(collection=root, restriction_type="login", password="")


def lift_restriction(apps, schema_editor):
    collection_model = apps.get_model("wagtailcore.Collection")
    restriction_model = apps.get_model("wagtailcore.CollectionViewRestriction")
    restriction_model.objects.filter(
        collection__in=collection_model.objects.filter(depth=1), restriction_type="login"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("home", "0002_create_homepage"),
        ("wagtailcore", "0092_alter_collectionviewrestriction_password_and_more"),
    ]

    operations = [migrations.RunPython(restrict_root_collection, lift_restriction)]
