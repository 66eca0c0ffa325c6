from django.db import models
from django.utils import timezone


class PluginReading(models.Model):
    serial = models.CharField(max_length=30, unique=True)
    value = models.PositiveIntegerField()
    checksum = models.CharField(max_length=32)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "plugin_app"

    def __str__(self):
        return self.serial
