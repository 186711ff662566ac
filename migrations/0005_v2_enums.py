from tortoise import migrations
from tortoise.migrations import operations as ops
from server.models.ledger import LedgerKind
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0004_messages')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='LedgerEntry',
            name='kind',
            field=fields.CharEnumField(description='PURCHASE: PURCHASE\nPURCHASE_REFUND: PURCHASE_REFUND\nCHECK_IN: CHECK_IN\nSTREAK_BONUS: STREAK_BONUS\nREVIEW: REVIEW\nREFERRAL: REFERRAL\nREDEMPTION: REDEMPTION\nREDEMPTION_REFUND: REDEMPTION_REFUND\nEXPIRY: EXPIRY\nADJUSTMENT: ADJUSTMENT\nBONUS: BONUS\nBIRTHDAY: BIRTHDAY\nANNIVERSARY: ANNIVERSARY\nCAMPAIGN: CAMPAIGN', enum_type=LedgerKind, max_length=24),
        ),
    ]
