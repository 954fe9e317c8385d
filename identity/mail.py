"""Every mail Tobira sends to a person goes through here.

Swap the class with ``ACCOUNTS_ADAPTER`` to change how mail is sent.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.module_loading import import_string


class DefaultAccountAdapter:
    def send_mail(
        self, template_prefix: str, to: str, context: dict, *, language: str = "en"
    ) -> None:
        context = {"base_url": settings.TOBIRA_BASE_URL, **context}
        with translation.override(language):
            subject = (
                render_to_string(f"{template_prefix}_subject.txt", context).strip().splitlines()[0]
            )
            body = render_to_string(f"{template_prefix}_message.txt", context)
            try:
                html = render_to_string(f"{template_prefix}_message.html", context)
            except TemplateDoesNotExist:
                html = None
        message = EmailMultiAlternatives(subject=subject, body=body, to=[to])
        if html:
            message.attach_alternative(html, "text/html")
        message.send()


def get_adapter() -> DefaultAccountAdapter:
    return import_string(
        getattr(settings, "ACCOUNTS_ADAPTER", "identity.mail.DefaultAccountAdapter")
    )()
