"""Replace Wagtail's placeholder root page with our HomePage, so every new database has a site."""

from django.db import migrations

HOME_TITLE = "供电服务培训考试平台"


def create_homepage(apps, schema_editor):
    content_type_model = apps.get_model("contenttypes.ContentType")
    page_model = apps.get_model("wagtailcore.Page")
    site_model = apps.get_model("wagtailcore.Site")
    home_page_model = apps.get_model("home.HomePage")

    placeholder_type = content_type_model.objects.get(model="page", app_label="wagtailcore")
    page_model.objects.filter(content_type=placeholder_type, slug="home", depth=2).delete()

    home_type, _ = content_type_model.objects.get_or_create(model="homepage", app_label="home")
    homepage = home_page_model.objects.create(
        title=HOME_TITLE,
        draft_title=HOME_TITLE,
        slug="home",
        content_type=home_type,
        path="00010001",
        depth=2,
        numchild=0,
        url_path="/home/",
        intro="学规范、看案例、做练习、参加月度考试。",
    )
    site_model.objects.create(
        hostname="localhost", root_page=homepage, is_default_site=True, site_name=HOME_TITLE
    )


def remove_homepage(apps, schema_editor):
    content_type_model = apps.get_model("contenttypes.ContentType")
    home_page_model = apps.get_model("home.HomePage")
    home_page_model.objects.filter(slug="home", depth=2).delete()
    content_type_model.objects.filter(model="homepage", app_label="home").delete()


class Migration(migrations.Migration):
    run_before = [("wagtailcore", "0053_locale_model")]

    dependencies = [("home", "0001_initial")]

    operations = [migrations.RunPython(create_homepage, remove_homepage)]
