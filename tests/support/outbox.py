"""What the outbox (identity.outbox) holds: the tasks a change has queued."""

from identity.models import OutboxMessage


def queued(task: str | None = None) -> list[list]:
    """The arguments of every message written so far (of ``task``), oldest first."""
    messages = OutboxMessage.objects.order_by("pk")
    if task is not None:
        messages = messages.filter(task=task)
    return [message.args for message in messages]
