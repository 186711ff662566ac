from tortoise import migrations
from tortoise.migrations import operations as ops
from server.models.insight import LifecycleStage, RfmSegment
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0011_member_erasure')]

    initial = False

    operations = [
        ops.CreateModel(
            name='InsightSnapshot',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('taken_at', fields.DatetimeField(description="The moment the figures describe (the run's clock)", auto_now=False, auto_now_add=False)),
                ('day', fields.DateField(description='The programme day (programme time zone) of taken_at')),
                ('members', fields.IntField(default=0)),
                ('purchasers', fields.IntField(default=0, description='Members with a purchase in the trailing 365 days')),
                ('median_gap_days', fields.FloatField(default=0, description="Programme median purchase gap (one-purchase members' rhythm)")),
                ('changes', fields.IntField(default=0, description='Members whose segment or stage moved')),
                ('seconds', fields.FloatField(default=0)),
                ('trigger', fields.CharField(default='job', description='job (nightly), cli or demo', max_length=16)),
            ],
            options={'table': 'insight_snapshot', 'app': 'models', 'indexes': [Index(fields=['day'])], 'pk_attr': 'id', 'table_description': 'One run of the snapshot: when, for which programme day, and what it found.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='InsightWork',
            fields=[
                ('member_id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('frequency', fields.IntField(default=0)),
                ('monetary_cents', fields.BigIntField(default=0)),
                ('recency_days', fields.IntField(null=True)),
                ('first_s', fields.BigIntField(null=True, description='First purchase in the window, Unix seconds')),
                ('last_s', fields.BigIntField(null=True, description='Last purchase in the window, Unix seconds')),
                ('lifetime_cents', fields.BigIntField(default=0)),
                ('stage', fields.CharField(max_length=16)),
                ('segment', fields.CharField(default='NO_PURCHASES', max_length=24)),
                ('recency_score', fields.SmallIntField(null=True)),
                ('frequency_score', fields.SmallIntField(null=True)),
                ('monetary_score', fields.SmallIntField(null=True)),
                ('high_value', fields.BooleanField(default=False)),
                ('churn_risk', fields.FloatField(default=1)),
            ],
            options={'table': 'insight_work', 'app': 'models', 'pk_attr': 'member_id', 'table_description': 'Scratch rows of the snapshot being computed (emptied at the start of each run).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SegmentChange',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('snapshot', fields.ForeignKeyField('models.InsightSnapshot', source_field='snapshot_id', db_constraint=True, to_field='id', related_name='segment_changes', on_delete=OnDelete.CASCADE)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='segment_changes', on_delete=OnDelete.CASCADE)),
                ('from_segment', fields.CharEnumField(description='CHAMPIONS: CHAMPIONS\nLOYAL: LOYAL\nPOTENTIAL_LOYALISTS: POTENTIAL_LOYALISTS\nNEW_CUSTOMERS: NEW_CUSTOMERS\nPROMISING: PROMISING\nNEED_ATTENTION: NEED_ATTENTION\nABOUT_TO_SLEEP: ABOUT_TO_SLEEP\nAT_RISK: AT_RISK\nCANNOT_LOSE: CANNOT_LOSE\nHIBERNATING: HIBERNATING\nNO_PURCHASES: NO_PURCHASES', enum_type=RfmSegment, max_length=24)),
                ('to_segment', fields.CharEnumField(description='CHAMPIONS: CHAMPIONS\nLOYAL: LOYAL\nPOTENTIAL_LOYALISTS: POTENTIAL_LOYALISTS\nNEW_CUSTOMERS: NEW_CUSTOMERS\nPROMISING: PROMISING\nNEED_ATTENTION: NEED_ATTENTION\nABOUT_TO_SLEEP: ABOUT_TO_SLEEP\nAT_RISK: AT_RISK\nCANNOT_LOSE: CANNOT_LOSE\nHIBERNATING: HIBERNATING\nNO_PURCHASES: NO_PURCHASES', enum_type=RfmSegment, max_length=24)),
                ('from_stage', fields.CharEnumField(description='NEW: NEW\nACTIVE: ACTIVE\nSLEEPING: SLEEPING\nAT_RISK: AT_RISK\nCHURNED: CHURNED', enum_type=LifecycleStage, max_length=16)),
                ('to_stage', fields.CharEnumField(description='NEW: NEW\nACTIVE: ACTIVE\nSLEEPING: SLEEPING\nAT_RISK: AT_RISK\nCHURNED: CHURNED', enum_type=LifecycleStage, max_length=16)),
                ('high_value', fields.BooleanField(default=False)),
                ('changed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'segment_change', 'app': 'models', 'indexes': [Index(fields=['snapshot_id', 'to_stage']), Index(fields=['member_id', 'changed_at'])], 'pk_attr': 'id', 'table_description': "A ``segment_changed`` record: a member's segment or stage moved at a snapshot (from → to)."},
            bases=['Model'],
        ),
    ]
