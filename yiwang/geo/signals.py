from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Area


@receiver(post_save, sender=Area)
@receiver(post_delete, sender=Area)
def _area_changed(sender, **kwargs):
    # One-off edits (admin, services) bump the shared revision; bulk imports bump it once themselves.
    from .locate import bump_revision

    bump_revision()
