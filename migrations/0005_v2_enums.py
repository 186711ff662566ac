from tortoise import migrations
from tortoise.migrations import operations as ops
from server.models.ledger import LedgerKind
from tortoise import fields



class AlterFieldStateOnly(ops.AlterField):
    """Record the new enum values in the migration state without touching the database.

    Only the field's description (its list of values) changed; the column is the same
    VARCHAR(24). On SQLite a real AlterField rebuilds ``ledger_entry`` and Tortoise's rebuild
    drops the table's indexes (tests/test_migrations.py), so the database is left alone.
    """

    async def database_forward(self, *args, **kwargs) -> None:
        return None

    async def database_backward(self, *args, **kwargs) -> None:
        return None


class Migration(migrations.Migration):
    dependencies = [('models', '0004_messages')]

    initial = False

    operations = [
        AlterFieldStateOnly(
            model_name='LedgerEntry',
            name='kind',
            field=fields.CharEnumField(description='PURCHASE: PURCHASE\nPURCHASE_REFUND: PURCHASE_REFUND\nCHECK_IN: CHECK_IN\nSTREAK_BONUS: STREAK_BONUS\nREVIEW: REVIEW\nREFERRAL: REFERRAL\nREDEMPTION: REDEMPTION\nREDEMPTION_REFUND: REDEMPTION_REFUND\nEXPIRY: EXPIRY\nADJUSTMENT: ADJUSTMENT\nBONUS: BONUS\nBIRTHDAY: BIRTHDAY\nANNIVERSARY: ANNIVERSARY\nCAMPAIGN: CAMPAIGN', enum_type=LedgerKind, max_length=24),
        ),
    ]
