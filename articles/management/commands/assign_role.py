from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from articles.roles import ROLES, assign_role


class Command(BaseCommand):
    help = f"Give a user one of the roles: {', '.join(ROLES)}."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("role", choices=ROLES)

    def handle(self, *args, **options):
        try:
            user = get_user_model().objects.get(username=options["username"])
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {options['username']!r}.")
        assign_role(user, options["role"])
        self.stdout.write(f"{user.username} is now {options['role']}.")
