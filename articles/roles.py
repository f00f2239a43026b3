"""The three roles, as Django groups, and what each may do.

editor: search and read. researcher: editor, plus export. archive admin:
researcher, plus import and editing in the Django admin. Superusers keep
full access. Checks happen on the server (views and the admin), never only
by hiding a link.
"""

EDITOR = "editor"
RESEARCHER = "researcher"
ARCHIVE_ADMIN = "archive admin"

VIEW = ["articles.view_article", "articles.view_source", "articles.view_story"]
EXPORT = ["articles.export_articles"]
MANAGE = [
    f"articles.{action}_{model}"
    for model in ("article", "source", "sourcealias", "story")
    for action in ("add", "change", "delete", "view")
] + ["articles.add_importjob", "articles.view_importjob", "articles.view_importfile", "articles.view_exportlog"]

ROLE_PERMISSIONS = {
    EDITOR: VIEW,
    RESEARCHER: VIEW + EXPORT,
    ARCHIVE_ADMIN: VIEW + EXPORT + MANAGE,
}
ROLES = list(ROLE_PERMISSIONS)


def sync_role_groups(apps=None):
    """Create the role groups and give them exactly their permissions (idempotent)."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    apps = apps or global_apps
    for config in apps.get_app_configs():
        # Permissions are normally created after all migrations; a data
        # migration needs them now (historical app configs have no models_module).
        had_models = getattr(config, "models_module", None)
        config.models_module = had_models or True
        create_permissions(config, verbosity=0, apps=apps)
        config.models_module = had_models
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        permissions = []
        for name in names:
            app_label, codename = name.split(".")
            permissions.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(permissions)


def assign_role(user, role):
    """Give ``user`` one role (replacing any other); archive admins get into the admin site."""
    from django.contrib.auth.models import Group

    if role not in ROLE_PERMISSIONS:
        raise ValueError(f"unknown role {role!r}; roles are: {', '.join(ROLES)}")
    user.groups.remove(*Group.objects.filter(name__in=ROLES))
    user.groups.add(Group.objects.get(name=role))
    user.is_staff = role == ARCHIVE_ADMIN or user.is_superuser
    user.save(update_fields=["is_staff"])
