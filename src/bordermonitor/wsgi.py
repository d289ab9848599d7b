"""WSGI entry point.  Refuses to load with a key file others can read (or, in
production mode, without one): WSGI servers run no system checks."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bordermonitor.settings")
application = get_wsgi_application()

from bordermonitor.core.checks import refuse_to_serve_with_open_key  # noqa: E402

refuse_to_serve_with_open_key()
