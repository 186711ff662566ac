from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from server.models.care import SurveyKind, SurveyStatus, TicketCategory, TicketStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0002_foundation')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Ticket',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='tickets', on_delete=OnDelete.CASCADE)),
                ('category', fields.CharEnumField(description='QUESTION: QUESTION\nCOMPLAINT: COMPLAINT\nAFTER_SALES: AFTER_SALES\nSUGGESTION: SUGGESTION', enum_type=TicketCategory, max_length=16)),
                ('subject', fields.CharField(max_length=120)),
                ('status', fields.CharEnumField(default=TicketStatus.OPEN, description='OPEN: OPEN\nANSWERED: ANSWERED\nRESOLVED: RESOLVED\nCLOSED: CLOSED', enum_type=TicketStatus, max_length=16)),
                ('order_id', fields.CharField(null=True, description='The order of the member it is about', max_length=128)),
                ('purchase', fields.ForeignKeyField('models.Purchase', source_field='purchase_id', null=True, db_constraint=True, to_field='id', related_name='tickets', on_delete=OnDelete.SET_NULL)),
                ('tier_code', fields.CharField(description='Tier of the member when opened: it set the target', max_length=32)),
                ('target_hours', fields.IntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('first_response_due_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('first_responded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('first_response_late', fields.BooleanField(default=False, description='The first wait ended (answer or close) after it was due')),
                ('urgency', fields.SmallIntField(default=1, description='Urgency: 0 escalated, 1 waiting, 2 answered, 3 done')),
                ('queue_due_at', fields.DatetimeField(description='Due time of the open wait, else of the first response', auto_now=False, auto_now_add=False)),
                ('escalated_at', fields.DatetimeField(null=True, description='When the open wait was escalated', auto_now=False, auto_now_add=False)),
                ('last_message_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'ticket', 'app': 'models', 'indexes': [Index(fields=['urgency', 'queue_due_at']), Index(fields=['member_id', 'created_at']), Index(fields=['status', 'first_response_due_at']), Index(fields=['first_response_due_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Survey',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='surveys', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='NPS: NPS\nSATISFACTION: SATISFACTION', enum_type=SurveyKind, max_length=16)),
                ('status', fields.CharEnumField(default=SurveyStatus.SENT, description='SENT: SENT\nANSWERED: ANSWERED\nEXPIRED: EXPIRED', enum_type=SurveyStatus, max_length=16)),
                ('trigger', fields.CharField(description='What it follows up: purchase:ID, ticket:ID or nps:DAY', max_length=64)),
                ('purchase', fields.ForeignKeyField('models.Purchase', source_field='purchase_id', null=True, db_constraint=True, to_field='id', related_name='surveys', on_delete=OnDelete.SET_NULL)),
                ('about_ticket', fields.ForeignKeyField('models.Ticket', source_field='about_ticket_id', null=True, db_constraint=True, to_field='id', related_name='surveys', on_delete=OnDelete.SET_NULL)),
                ('detractor_ticket', fields.ForeignKeyField('models.Ticket', source_field='detractor_ticket_id', null=True, description='The complaint ticket a low answer opened', db_constraint=True, to_field='id', related_name='from_surveys', on_delete=OnDelete.SET_NULL)),
                ('about', fields.JSONField(default=dict, description='What it asks about (order and day, or ticket subject)', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('sent_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('answered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('score', fields.SmallIntField(null=True)),
                ('comment', fields.TextField(null=True, unique=False)),
            ],
            options={'table': 'survey', 'app': 'models', 'unique_together': (('member', 'trigger'),), 'indexes': [Index(fields=['member_id', 'sent_at']), Index(fields=['status', 'expires_at']), Index(fields=['kind', 'answered_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TicketMessage',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.ForeignKeyField('models.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='messages', on_delete=OnDelete.CASCADE)),
                ('author', fields.ForeignKeyField('models.Member', source_field='author_id', null=True, db_constraint=True, to_field='id', related_name='ticket_messages', on_delete=OnDelete.SET_NULL)),
                ('author_name', fields.CharField(description='As shown when written, kept if the author goes', max_length=80)),
                ('from_staff', fields.BooleanField(default=False)),
                ('body', fields.TextField(unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'ticket_message', 'app': 'models', 'indexes': [Index(fields=['ticket_id', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TicketWait',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.ForeignKeyField('models.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='waits', on_delete=OnDelete.CASCADE)),
                ('is_first', fields.BooleanField(description='The wait for the first response (else a follow-up)')),
                ('tier_code', fields.CharField(max_length=32)),
                ('started_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('due_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('escalate_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('escalated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('ended_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('answered', fields.BooleanField(default=False, description='Ended by a staff answer (else by closing)')),
                ('late', fields.BooleanField(default=False, description='Ended after it was due')),
            ],
            options={'table': 'ticket_wait', 'app': 'models', 'indexes': [Index(fields=['ended_at', 'escalate_at']), Index(fields=['due_at']), Index(fields=['ticket_id', 'ended_at'])], 'pk_attr': 'id', 'table_description': 'One stretch during which a ticket waits for staff, with its target.'},
            bases=['Model'],
        ),
    ]
