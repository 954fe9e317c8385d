"""The IAM policy engine: pure Python, no Django.

from identity.policy import parse, evaluate, NamedPolicy, context_of
decision = evaluate(action="iam:CreateUser", resource=arn, context=context_of({...}),
                    identity_policies=[NamedPolicy("AdministratorAccess", parse(text))])
decision.allowed, decision.explanation
warnings(text)  # the parts of a valid document that match nothing, for an editor to show
"""

from .document import (
    Policy,
    PolicyError,
    PolicyWarning,
    Statement,
    parse,
    size_without_whitespace,
    warnings,
)
from .evaluation import (
    ALLOW,
    EXPLICIT_DENY,
    IMPLICIT_DENY,
    Decision,
    NamedPolicy,
    context_of,
    evaluate,
)

__all__ = [
    "ALLOW",
    "EXPLICIT_DENY",
    "IMPLICIT_DENY",
    "Decision",
    "NamedPolicy",
    "Policy",
    "PolicyError",
    "PolicyWarning",
    "Statement",
    "context_of",
    "evaluate",
    "parse",
    "size_without_whitespace",
    "warnings",
]
