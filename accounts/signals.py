"""What accounts tells the apps above it, which it never imports.

``signing_in`` and ``signing_out`` are sent inside the sign-in's (or sign-out's) transaction,
before the session changes hands: sso ends the browser's console role session there.
"""

from django.dispatch import Signal

signing_in = Signal()  # kwargs: request, user; "SignedIn"
signing_out = Signal()  # kwargs: request; "SignedOut"
