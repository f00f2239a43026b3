"""The directory of Arabic news outlets: a source's feed code, country and domains, and the shipped entries."""

from django.db import migrations, models


def load_shipped_directory(apps, schema_editor):
    from articles.outlets import load_directory

    load_directory(apps.get_model("articles", "Source"), apps.get_model("articles", "SourceAlias"),
                   apps.get_model("articles", "Article"))


class Migration(migrations.Migration):
    dependencies = [("articles", "0005_decode_entities")]

    operations = [
        migrations.AddField(
            model_name="source", name="code",
            field=models.CharField(blank=True, db_index=True, max_length=60, verbose_name="feed code",
                                   help_text="The outlet's short name in feeds and datasets (aawsat, sabq)."),
        ),
        migrations.AddField(
            model_name="source", name="country",
            field=models.CharField(blank=True, max_length=100, verbose_name="country"),
        ),
        migrations.AddField(
            model_name="source", name="domains",
            field=models.CharField(
                blank=True, max_length=500, verbose_name="web domains",
                help_text="Comma-separated (aawsat.com, bbc.com/arabic): an article's URL on one of them is from this outlet.",
            ),
        ),
        migrations.RunPython(load_shipped_directory, migrations.RunPython.noop),
    ]
