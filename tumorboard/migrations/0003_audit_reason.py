from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tumorboard", "0002_audit")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="reason",
            field=models.CharField(blank=True, help_text="Why it was refused.", max_length=200),
        ),
    ]
