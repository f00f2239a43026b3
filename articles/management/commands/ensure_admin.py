import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Create an 'admin' superuser with a generated password if there is no superuser yet "
        "(embedded mode: the password is kept in the data folder, readable by its owner only)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, *args, **options):
        users = get_user_model()
        password_file = settings.DATA_DIR / "admin_password"
        if users.objects.filter(is_superuser=True).exists():
            if password_file.exists():
                self.stdout.write(f"Admin login: {options['username']}, password in {password_file}")
            return
        password = secrets.token_urlsafe(12)
        users.objects.create_superuser(options["username"], password=password)
        password_file.parent.mkdir(parents=True, exist_ok=True)
        password_file.write_text(password + "\n")
        password_file.chmod(0o600)
        self.stdout.write(
            f"Created the superuser '{options['username']}' with password {password} (kept in {password_file})."
        )
