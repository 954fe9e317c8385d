"""The policy simulator: a user, actions, a resource and context values; decisions, what decided
(an SCP level, the permissions boundary, the identity-based policies) and why."""

from __future__ import annotations

from identity import selectors
from identity.authorization import Permission
from identity.policies import loading

from ..base import AccountPage, any_user_arn
from ..forms.policies import SimulatorForm
from .permissions import decided_by


class Simulator(AccountPage):
    permission = Permission(
        "iam:SimulatePrincipalPolicy",
        any_user_arn,
        "`arn:aws:iam::ACCOUNT:user/*`, then the simulated user's ARN",
    )
    # Asked once the form names the user to simulate.
    user_permission = Permission("iam:SimulatePrincipalPolicy", lambda page: page.simulated.arn)
    template_name = "console/simulator.html"

    def get(self, request, *args, **kwargs):
        users = selectors.account_users_by_name(self.account, 500)
        results = None
        form = SimulatorForm(users, request.GET or None)
        if request.GET and form.is_valid():
            data = form.cleaned_data
            self.simulated = next(u for u in users if u.name == data["user"])
            self.require(self.user_permission)
            boundary = self.simulated.permissions_boundary
            results = [
                (action, decision, decided_by(decision, boundary))
                for action, decision in loading.simulate(
                    self.simulated,
                    actions=data["actions"],
                    resource=data["resource"].strip() or "*",
                    mfa=data["mfa"],
                    context=data["context"],
                )
            ]
        return self.render_page(form=form, results=results)
