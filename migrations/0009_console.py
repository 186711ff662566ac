from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index
from tortoise.fields.base import OnDelete
from tortoise import fields

# The console's member search is a substring of the e-mail or the display name (ILIKE '%…%'). On
# PostgreSQL, trigram indexes serve it when pg_trgm can be installed (it is a trusted extension:
# the database owner may create it); without it the search still works, by a scan. SQLite: no-op.
TRIGRAM_CHECK = """
SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm')
   AND (EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm')
        OR has_database_privilege(current_database(), 'CREATE'))
"""
TRIGRAM_INDEXES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS member_email_trgm ON member USING gin (email gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS member_display_name_trgm ON member USING gin (display_name gin_trgm_ops)",
]


async def trigram_indexes(apps, schema_editor) -> None:
    client = schema_editor.client
    if client.capabilities.dialect != "postgres":
        return
    _, rows = await client.execute_query(TRIGRAM_CHECK)
    if not rows or not list(rows[0].values())[0]:
        return
    for statement in TRIGRAM_INDEXES:
        await client.execute_script(statement)


async def drop_trigram_indexes(apps, schema_editor) -> None:
    client = schema_editor.client
    if client.capabilities.dialect == "postgres":
        await client.execute_script("DROP INDEX IF EXISTS member_email_trgm; DROP INDEX IF EXISTS member_display_name_trgm")


class Migration(migrations.Migration):
    dependencies = [('models', '0008_kpi_indexes')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Member',
            index=Index(fields=['tier_code', 'id']),
        ),
        ops.RunPython(trigram_indexes, drop_trigram_indexes),
        ops.CreateModel(
            name='StaffAdjustmentDay',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('staff', fields.ForeignKeyField('models.Member', source_field='staff_id', db_constraint=True, to_field='id', related_name='adjustment_days', on_delete=OnDelete.CASCADE)),
                ('day', fields.DateField(description='The programme day (Program.time_zone)')),
                ('points', fields.IntField(default=0)),
            ],
            options={'table': 'staff_adjustment_day', 'app': 'models', 'unique_together': (('staff_id', 'day'),), 'pk_attr': 'id', 'table_description': 'Points one staff member adjusted on one programme day (absolute values), for the daily cap.'},
            bases=['Model'],
        ),
    ]
