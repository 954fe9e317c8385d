import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
# Import every view (and what they import: the policy engine, botocore's service models) as the
# worker starts, not in the first request it takes: that request waited a second, and behind a
# load balancer the first request of each new worker is someone's sign-in.
get_resolver().url_patterns  # noqa: B018 - evaluated for its imports
