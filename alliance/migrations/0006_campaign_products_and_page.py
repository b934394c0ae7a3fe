# Campaigns get the partner county's products and a public page (issue #6). Campaigns that
# already exist get a web address from their id, which staff can change.

from django.db import migrations, models


def give_existing_campaigns_an_address(apps, schema_editor):
    Campaign = apps.get_model("alliance", "Campaign")
    for campaign in Campaign.objects.filter(slug=""):
        campaign.slug = f"campaign-{campaign.pk}"
        campaign.save(update_fields=["slug"])


class Migration(migrations.Migration):

    dependencies = [
        ("alliance", "0005_places"),
        ("products", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="campaign",
            name="is_published",
            field=models.BooleanField(
                default=False,
                help_text="Show the campaign's page to everyone.",
                verbose_name="public page",
            ),
        ),
        migrations.AddField(
            model_name="campaign",
            name="products",
            field=models.ManyToManyField(
                blank=True,
                help_text="Sold during the campaign's dates; they count towards its sales.",
                related_name="campaigns",
                to="products.product",
                verbose_name="partner-county products",
            ),
        ),
        migrations.AddField(
            model_name="campaign",
            name="slug",
            # No index yet: the unique constraint below brings it (with PostgreSQL's LIKE index;
            # made here too, it would be made twice).
            field=models.SlugField(
                default="", max_length=80, db_index=False, verbose_name="web address"
            ),
            preserve_default=False,
        ),
        migrations.RunPython(give_existing_campaigns_an_address, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="campaign",
            name="slug",
            field=models.SlugField(
                help_text="The end of its public address /campaigns/…/: letters, digits, dashes.",
                max_length=80,
                unique=True,
                verbose_name="web address",
            ),
        ),
    ]
