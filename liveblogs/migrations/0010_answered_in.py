from django.db import migrations


class Migration(migrations.Migration):
    """The update that answered a reader's question: one name, as the admin shows it."""

    dependencies = [
        ("liveblogs", "0009_private_photos"),
    ]

    operations = [
        migrations.RenameField(
            model_name="readersubmission", old_name="answered_by", new_name="answered_in"
        ),
    ]
