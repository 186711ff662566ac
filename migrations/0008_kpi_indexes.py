from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0007_calendar')]

    initial = False

    operations = [
        # The first version of 0005 rebuilt ledger_entry on SQLite and the rebuild dropped its
        # (member_id, expires_at) index: databases migrated with it get the index back under the
        # name Tortoise gives it (a no-op everywhere else).
        ops.RunSQL(
            'CREATE INDEX IF NOT EXISTS "idx_ledger_entr_member__b2c530" ON "ledger_entry" ("member_id", "expires_at")'
        ),
        ops.AddIndex(
            model_name='CheckIn',
            index=Index(fields=['created_at', 'member_id']),
        ),
        ops.AddIndex(
            model_name='LedgerEntry',
            index=Index(fields=['created_at', 'kind', 'delta']),
        ),
        ops.AddIndex(
            model_name='Member',
            index=Index(fields=['role']),
        ),
        ops.AddIndex(
            model_name='Purchase',
            index=Index(fields=['occurred_at', 'member_id', 'amount', 'refunded_amount']),
        ),
    ]
