"""Finding people: the name index and the name-and-year-of-birth index, filled for every person recorded
before them (the values are opened with the person's own key, the indexes computed by the one function,
`haven.cases.sealing.person_indexes`; nothing else is written). An erased person gets none."""

from django.db import migrations, models

from haven.cases.sealing import index_blinder, open_value, person_indexes
from haven.vault.errors import VaultError

NEW_INDEXES = ("name_bi", "name_year_bi")
BATCH = 500


def fill_search_indexes(apps, schema_editor):
    Person = apps.get_model("cases", "Person")
    people = Person.objects.filter(erased_at=None, name__isnull=False).order_by("pk")
    if not people.exists():
        return  # a new database: nothing to open, and no key store needed
    blinder = index_blinder()
    # The ids first, then the rows a batch at a time: no read cursor stays open on the table being written.
    ids = list(people.values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        for person in Person.objects.filter(pk__in=ids[start : start + BATCH]).order_by("pk"):
            try:
                values = {column: open_value(person.key_id, person, column) for column in ("name", "date_of_birth")}
            except VaultError:
                continue  # a key already destroyed (an erasure under way): such a person gets no index
            indexes = person_indexes(values, blinder=blinder)
            Person.objects.filter(pk=person.pk).update(**{name: indexes[name] for name in NEW_INDEXES})


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0008_dpo_purpose_authority_request"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="name_bi",
            field=models.CharField(blank=True, db_index=True, default="", max_length=16),
        ),
        migrations.AddField(
            model_name="person",
            name="name_year_bi",
            field=models.CharField(blank=True, db_index=True, default="", max_length=16),
        ),
        migrations.RunPython(fill_search_indexes, migrations.RunPython.noop, elidable=False),
    ]
