"""Requester name, phone and ID number encrypted at rest; the phone looked up by a keyed digest.

Existing rows are encrypted in place (writing the value back through the encrypted field) and their
digests filled. `yiwang rotate_keys cases.Case` does the same later for a new key.
"""

from django.db import migrations, models

import yiwang.security.fields


def encrypt_existing(apps, schema_editor):
    from yiwang.security.crypto import blind_index

    Case = apps.get_model("cases", "Case")
    fields = ("requester_name", "requester_phone", "requester_id_number")
    rows = Case.objects.exclude(requester_name="", requester_phone="", requester_id_number="")
    for case in rows.only("pk", *fields).iterator(chunk_size=2000):
        Case.objects.filter(pk=case.pk).update(
            requester_name=case.requester_name,  # plaintext read as is, written back encrypted
            requester_phone=case.requester_phone,
            requester_id_number=case.requester_id_number,
            requester_phone_digest=blind_index(case.requester_phone, purpose="requester-phone"),
        )


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0003_case_external_id'),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='requester_phone_digest',
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name='case',
            name='requester_id_number',
            field=yiwang.security.fields.EncryptedCharField(blank=True, max_length=40, verbose_name='证件号码'),
        ),
        migrations.AlterField(
            model_name='case',
            name='requester_name',
            field=yiwang.security.fields.EncryptedCharField(blank=True, max_length=100, verbose_name='诉求人'),
        ),
        migrations.AlterField(
            model_name='case',
            name='requester_phone',
            field=yiwang.security.fields.EncryptedCharField(blank=True, max_length=30, verbose_name='联系电话'),
        ),
        migrations.RunPython(encrypt_existing, migrations.RunPython.noop),
    ]
