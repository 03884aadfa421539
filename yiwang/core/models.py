from django.db import models


class Revision(models.Model):
    """A shared counter per kind of configuration (routing, deadline policies…), bumped on every
    change, so that each process knows when its cached copy is stale (core.revisions)."""

    name = models.CharField(max_length=40, primary_key=True)
    value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} revision {self.value}"
