from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from server.models.campaigns import CampaignStatus, CampaignTrigger
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0005_v2_enums')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Campaign',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=120)),
                ('trigger', fields.CharEnumField(description='PURCHASE: PURCHASE\nCHECK_IN: CHECK_IN\nGRANT: GRANT', enum_type=CampaignTrigger, max_length=16)),
                ('status', fields.CharEnumField(default=CampaignStatus.DRAFT, description='DRAFT: DRAFT\nACTIVE: ACTIVE\nPAUSED: PAUSED\nENDED: ENDED', enum_type=CampaignStatus, max_length=16)),
                ('recurrence', fields.CharField(null=True, max_length=500)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('multiplier', fields.DecimalField(null=True, max_digits=6, decimal_places=2)),
                ('bonus_points', fields.IntField(null=True)),
                ('tier_codes', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('segments', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('stages', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('min_amount', fields.DecimalField(null=True, max_digits=14, decimal_places=2)),
                ('per_member_cap', fields.IntField(null=True)),
                ('budget_points', fields.IntField(null=True)),
                ('holdout_percent', fields.SmallIntField(default=0)),
                ('points_given', fields.IntField(default=0)),
                ('points_awarded', fields.IntField(default=0)),
                ('activated_at', fields.DatetimeField(null=True, description='First activation: earlier events earn nothing', auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'campaign', 'app': 'models', 'indexes': [Index(fields=['status', 'trigger'])], 'pk_attr': 'id', 'table_description': 'A campaign and its running totals.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CampaignAward',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('campaign', fields.ForeignKeyField('models.Campaign', source_field='campaign_id', db_constraint=True, to_field='id', related_name='awards', on_delete=OnDelete.CASCADE)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='campaign_awards', on_delete=OnDelete.CASCADE)),
                ('ledger_entry_id', fields.BigIntField(null=True)),
                ('points', fields.IntField()),
                ('purchase_id', fields.BigIntField(null=True)),
                ('reference', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'campaign_award', 'app': 'models', 'unique_together': (('campaign', 'member', 'reference'),), 'indexes': [Index(fields=['campaign_id', 'purchase_id']), Index(fields=['member_id', 'campaign_id'])], 'pk_attr': 'id', 'table_description': 'One award (points > 0) or take-back after a refund (points < 0) of a campaign to a member.'},
            bases=['Model'],
        ),
    ]
