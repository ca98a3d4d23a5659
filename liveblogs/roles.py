"""The desk's two groups and what each may do.

Editors run every live page (no superuser flag needed); Reporters file to the pages whose desk they
are on (see ``LivePage.objects.on_desk_of``). ``publish_update`` lets a reporter publish without an
editor's approval; give it to individual senior reporters, not to the group.
"""

EDITORS = "Editors"
REPORTERS = "Reporters"

ROLES = {
    EDITORS: {
        "livepage": ["add", "change", "view"],
        "keypoint": ["add", "change", "delete", "view"],
        "update": ["add", "change", "view", "publish"],
        "updateauthor": ["add", "change", "delete", "view"],
        "updatephoto": ["add", "change", "delete", "view"],
        "updaterevision": ["view"],
        "photo": ["add", "change", "view"],
        "video": ["add", "change", "view"],
        "embed": ["change", "view"],
        "reporter": ["add", "change", "view"],
        "series": ["add", "change", "view"],
        "callout": ["add", "change", "delete", "view"],
        "readersubmission": ["change", "view"],
        # To link a reporter to the login they sign in with.
        "auth.user": ["view"],
    },
    REPORTERS: {
        "livepage": ["view"],
        "update": ["add", "change", "view"],
        "updateauthor": ["add", "change", "delete", "view"],
        "updatephoto": ["add", "change", "delete", "view"],
        "photo": ["add", "change", "view"],
        "video": ["view"],
        "reporter": ["view"],
        "series": ["view"],
    },
}


def permission_keys(grants):
    """(app_label, codename) for each grant; models are this app's unless named "app.model"."""
    for model, actions in grants.items():
        app_label, _, model_name = model.rpartition(".")
        for action in actions:
            codename = "publish_update" if action == "publish" else f"{action}_{model_name}"
            yield app_label or "liveblogs", codename


def sync_roles(apps):
    """Create the groups and give each exactly its permissions on this app's models."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, grants in ROLES.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        wanted = set(permission_keys(grants))
        permissions = [
            permission
            for permission in Permission.objects.filter(
                codename__in={codename for _, codename in wanted}
            ).select_related("content_type")
            if (permission.content_type.app_label, permission.codename) in wanted
        ]
        group.permissions.set(permissions)


def sync_after_migrate(app_config, apps=None, **kwargs):
    """post_migrate: permissions of models added since the data migration exist only now.

    ``flush`` sends the signal without ``apps``; the installed models serve then.
    """
    from django.apps import apps as installed_apps

    sync_roles(apps or installed_apps)
