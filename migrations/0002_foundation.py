from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from server.models.accounts import Role
from server.models.insight import LifecycleStage, RfmSegment
from server.models.outbox import OutboxStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('actor', fields.ForeignKeyField('models.Member', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='audit_actions', on_delete=OnDelete.SET_NULL)),
                ('actor_email', fields.CharField(max_length=254)),
                ('action', fields.CharField(description='Dotted verb such as points.adjust or benefit.update', max_length=48)),
                ('target_type', fields.CharField(max_length=32)),
                ('target_id', fields.CharField(max_length=64)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', null=True, db_constraint=True, to_field='id', related_name='audit_entries', on_delete=OnDelete.SET_NULL)),
                ('before', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('after', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('reason', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'audit_entry', 'app': 'models', 'indexes': [Index(fields=['created_at']), Index(fields=['actor_id', 'created_at']), Index(fields=['action', 'created_at']), Index(fields=['member_id', 'created_at'])], 'pk_attr': 'id', 'table_description': 'One staff action, written in the same transaction as the change it records.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='JobState',
            fields=[
                ('name', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('holder', fields.CharField(null=True, max_length=64)),
                ('lease_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_started_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_status', fields.CharField(default='never', max_length=16)),
                ('last_summary', fields.TextField(default='', unique=False)),
                ('last_duration_ms', fields.IntField(default=0)),
                ('runs', fields.IntField(default=0)),
            ],
            options={'table': 'job_state', 'app': 'models', 'pk_attr': 'name', 'table_description': 'One row per job name. ``lease_until`` in the future means a process is running the job.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MemberInsight',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.OneToOneField('models.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='insight', on_delete=OnDelete.CASCADE)),
                ('recency_days', fields.IntField(null=True)),
                ('frequency', fields.IntField(default=0)),
                ('monetary', fields.DecimalField(default=0, max_digits=16, decimal_places=2)),
                ('recency_score', fields.SmallIntField(null=True)),
                ('frequency_score', fields.SmallIntField(null=True)),
                ('monetary_score', fields.SmallIntField(null=True)),
                ('segment', fields.CharEnumField(default=RfmSegment.NO_PURCHASES, description='CHAMPIONS: CHAMPIONS\nLOYAL: LOYAL\nPOTENTIAL_LOYALISTS: POTENTIAL_LOYALISTS\nNEW_CUSTOMERS: NEW_CUSTOMERS\nPROMISING: PROMISING\nNEED_ATTENTION: NEED_ATTENTION\nABOUT_TO_SLEEP: ABOUT_TO_SLEEP\nAT_RISK: AT_RISK\nCANNOT_LOSE: CANNOT_LOSE\nHIBERNATING: HIBERNATING\nNO_PURCHASES: NO_PURCHASES', enum_type=RfmSegment, max_length=24)),
                ('stage', fields.CharEnumField(default=LifecycleStage.NEW, description='NEW: NEW\nACTIVE: ACTIVE\nSLEEPING: SLEEPING\nAT_RISK: AT_RISK\nCHURNED: CHURNED', enum_type=LifecycleStage, max_length=16)),
                ('high_value', fields.BooleanField(default=False)),
                ('churn_risk', fields.FloatField(default=0)),
                ('lifetime_value', fields.DecimalField(default=0, max_digits=16, decimal_places=2)),
                ('computed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'member_insight', 'app': 'models', 'indexes': [Index(fields=['segment']), Index(fields=['stage']), Index(fields=['high_value'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OutboxMessage',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('channel', fields.CharField(max_length=16)),
                ('dedupe_key', fields.CharField(null=True, max_length=191)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', null=True, db_constraint=True, to_field='id', related_name='outbox_messages', on_delete=OnDelete.SET_NULL)),
                ('payload', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('status', fields.CharEnumField(default=OutboxStatus.PENDING, description='PENDING: PENDING\nSENT: SENT\nFAILED: FAILED\nCANCELLED: CANCELLED', enum_type=OutboxStatus, max_length=16)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('claimed_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('claim_token', fields.CharField(null=True, max_length=32)),
                ('last_status', fields.IntField(null=True, description='Protocol status of the last attempt (HTTP or SMTP code)')),
                ('last_error', fields.CharField(default='', max_length=500)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'outbox_message', 'app': 'models', 'unique_together': (('channel', 'dedupe_key'),), 'indexes': [Index(fields=['status', 'next_attempt_at']), Index(fields=['member_id', 'channel'])], 'pk_attr': 'id', 'table_description': 'One message to deliver on one channel.'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='Member',
            name='role',
            field=fields.CharEnumField(default=Role.MEMBER, description='MEMBER: MEMBER\nSTAFF: STAFF\nANALYST: ANALYST', enum_type=Role, max_length=16),
        ),
        ops.AddField(
            model_name='Member',
            name='birthday_set_at',
            field=fields.DatetimeField(null=True, description='When the birthday was last set or corrected', auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Member',
            name='tier_override_until',
            field=fields.DateField(null=True, description='A staff override holds the tier until this day'),
        ),
    ]
