"""The IAM policy engine: pure Python, no Django.

from identity.policy import parse, evaluate, NamedPolicy, context_of
decision = evaluate(action="iam:CreateUser", resource=arn, context=context_of({...}),
                    identity_policies=[NamedPolicy("AdministratorAccess", parse(text))])
decision.allowed, decision.explanation
"""

from .document import Policy, PolicyError, Statement, parse, size_without_whitespace
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
    "Statement",
    "context_of",
    "evaluate",
    "parse",
    "size_without_whitespace",
]
