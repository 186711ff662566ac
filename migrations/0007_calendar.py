from tortoise import migrations
from tortoise.migrations import operations as ops
from server.models.celebrations import CelebrationKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0006_campaigns')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CelebrationReward',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='celebrations', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='BIRTHDAY: BIRTHDAY\nANNIVERSARY: ANNIVERSARY', enum_type=CelebrationKind, max_length=16)),
                ('year', fields.IntField(description='The year of the birthday or anniversary rewarded')),
                ('occurred_on', fields.DateField(description="The day it fell on, in the member's time zone")),
                ('points', fields.IntField(default=0, description="0 when the member's tier has no reward (greeted only)")),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'celebration_reward', 'app': 'models', 'unique_together': (('member', 'kind', 'year'),), 'indexes': [Index(fields=['member_id', 'kind', 'occurred_on'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Member',
            name='tier_review_on',
            field=fields.DateField(null=True, description='The next regular tier review (a UTC day, null at the lowest tier or not yet set)'),
        ),
        ops.AddIndex(
            model_name='Member',
            index=Index(fields=['tier_review_on']),
        ),
        # Lots still holding points, by lapse time: the nightly expiry and its warnings read only
        # these, instead of every ledger row ever written (a partial index; SQLite and PostgreSQL).
        ops.RunSQL(
            "CREATE INDEX IF NOT EXISTS ledger_entry_open_lots ON ledger_entry (expires_at, member_id)"
            " WHERE remaining > 0",
            reverse_sql="DROP INDEX IF EXISTS ledger_entry_open_lots",
        ),
    ]
