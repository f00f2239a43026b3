import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")
application = get_wsgi_application()

# A new server process loads the views and opens the index now, not on its
# first visitor's search.
from articles.search.service import warm_up  # noqa: E402

warm_up()
