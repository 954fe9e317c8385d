"""Policies as data, in three modules (no facade: import the one that owns what you use).

- ``catalog``: AWS's managed policies and SCPs, read from ``data/aws_managed.json``.
- ``loading``: a principal's policies and a request's condition keys, handed to the engine
  (``identity.policy``, which knows nothing of Django); the simulator and the effective
  permissions, which are that loading and one engine call.
- ``services``: the changes to policies (customer managed, versions, attachments, inline,
  SCPs), each atomic and audited, and the validation of a document before it is stored.
"""
