"""Bylines and photos are rows of their own; changing them changes what readers see of an update.

Admin inlines save and delete the rows one by one; ``update.authors.set(...)`` and friends send
``m2m_changed`` instead. Both reach ``Update.objects.touch``, the versioning in models.py.

A deleted photo or video takes its stored files with it, however it was deleted (the admin, a
bulk delete, ``purge_submissions``): on object storage nothing else would ever remove them.
"""

import logging
from functools import partial

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from .models import Photo, Update, UpdateAuthor, UpdatePhoto, Video

logger = logging.getLogger(__name__)


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


@receiver(post_delete, sender=Photo)
@receiver(post_delete, sender=Video)
def files_deleted(sender, instance, **kwargs):
    # Once the deletion is committed: until then it may be rolled back, and readers may still be
    # shown the photo.
    transaction.on_commit(partial(delete_files, instance))


def delete_files(instance):
    """Delete the stored files of a deleted photo (original, renditions, public copies) or video
    (file, captions). A storage that fails is logged: the row is gone whatever happens."""
    try:
        if isinstance(instance, Photo):
            instance.delete_files()
        else:
            for field_file in (instance.file, instance.captions):
                if field_file:
                    field_file.storage.delete(field_file.name)
    except Exception:
        logger.exception("Could not delete the files of %s %s", type(instance).__name__,
                         instance.pk)
