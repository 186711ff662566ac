from tortoise import migrations
from tortoise.migrations import operations as ops
from server.models.messages import LinkPurpose
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0003_care')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AccountLink',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='account_links', on_delete=OnDelete.CASCADE)),
                ('purpose', fields.CharEnumField(description='RESET: RESET\nCONFIRM: CONFIRM\nCHANGE: CHANGE', enum_type=LinkPurpose, max_length=16)),
                ('email', fields.CharField(max_length=254)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'account_link', 'app': 'models', 'indexes': [Index(fields=['member_id', 'purpose', 'created_at'])], 'pk_attr': 'id', 'table_description': 'A one-time link e-mailed to a member. Only the SHA-256 of its token is stored.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MessageConsent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='message_consents', on_delete=OnDelete.CASCADE)),
                ('category', fields.CharField(description='service or marketing', max_length=16)),
                ('granted', fields.BooleanField()),
                ('source', fields.CharField(description='sign-up, portal, api or unsubscribe-link', max_length=24)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'message_consent', 'app': 'models', 'indexes': [Index(fields=['member_id', 'created_at'])], 'pk_attr': 'id', 'table_description': "One change of a member's e-mail choices: what, on or off, when, and through which door."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RateLimitWindow',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(max_length=191)),
                ('window_start', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('count', fields.IntField(default=0)),
            ],
            options={'table': 'rate_limit_window', 'app': 'models', 'unique_together': (('key', 'window_start'),), 'indexes': [Index(fields=['window_start'])], 'pk_attr': 'id', 'table_description': 'Requests counted per key and fixed window (password-reset links per address, per IP…).'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Member',
            name='email_confirmed_at',
            field=fields.DatetimeField(null=True, description='When the current address was confirmed', auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Member',
            name='email_undeliverable_at',
            field=fields.DatetimeField(null=True, description='When the mail server refused the current address for good (5xx)', auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Member',
            name='marketing_consent_at',
            field=fields.DatetimeField(null=True, description='When the standing marketing consent was given', auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Member',
            name='marketing_emails',
            field=fields.BooleanField(default=False, description='Marketing e-mails: only with consent'),
        ),
        ops.AddField(
            model_name='Member',
            name='service_emails',
            field=fields.BooleanField(default=True, description='Service e-mails: on until turned off'),
        ),
    ]
