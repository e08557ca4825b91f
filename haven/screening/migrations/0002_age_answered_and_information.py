from django.db import migrations, models


def unknown_age_is_not_sure(apps, schema_editor):
    # Before the age was required, an empty age meant "unknown: treated as a child", which is what
    # "not sure" (a null age with doubt) says now.
    Screening = apps.get_model("screening", "Screening")
    Screening.objects.filter(age__isnull=True, age_in_doubt=False).update(age_in_doubt=True)


class Migration(migrations.Migration):
    dependencies = [("screening", "0001_initial")]

    operations = [
        migrations.RunPython(unknown_age_is_not_sure, migrations.RunPython.noop),
        migrations.AddField(
            model_name="screening",
            name="information_language",
            field=models.CharField(blank=True, default="", max_length=8),
        ),
        migrations.AddConstraint(
            model_name="screening",
            constraint=models.CheckConstraint(
                condition=models.Q(("age__isnull", False), ("age_in_doubt", True), _connector="OR"),
                name="screening_age_answered",
            ),
        ),
    ]
