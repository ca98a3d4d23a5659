"""Bylines and photos are rows of their own; changing them changes what readers see of an update.

Admin inlines save and delete the rows one by one; ``update.authors.set(...)`` and friends send
``m2m_changed`` instead. Both reach ``Update.objects.touch``, the versioning in models.py.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from .models import Update, UpdateAuthor, UpdatePhoto


@receiver(post_save, sender=UpdateAuthor)
@receiver(post_delete, sender=UpdateAuthor)
@receiver(post_save, sender=UpdatePhoto)
@receiver(post_delete, sender=UpdatePhoto)
def ordered_row_changed(sender, instance, origin=None, **kwargs):
    # Rows deleted along with their update (or its page) change no update readers still see;
    # touching it there would index an update on its way out.
    if origin is not None and getattr(origin, "model", type(origin)) not in {UpdateAuthor, UpdatePhoto}:
        return
    Update.objects.filter(pk=instance.update_id).touch()


@receiver(m2m_changed, sender=UpdateAuthor)
@receiver(m2m_changed, sender=UpdatePhoto)
def many_to_many_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if not reverse:
        if action in {"post_add", "post_remove", "post_clear"}:
            Update.objects.filter(pk=instance.pk).touch()
    elif action in {"post_add", "post_remove"}:
        Update.objects.filter(pk__in=pk_set).touch()
    elif action == "pre_clear":
        # reporter.updates.clear(): afterwards nothing says which updates lost the byline.
        instance.updates.touch()
