"""An administrator's hand on an IAM user's MFA: remove a device, import a hardware token."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from identity.authorization import Permission
from mfa.base import selectors as mfa_selectors
from mfa.base import services as mfa_services
from mfa.totp import services as totp_services

from ..base import UserPage, user_arn
from ..forms.common import DeleteConfirmForm
from ..forms.users import HardwareTokenForm


class DeviceRemoval:
    """Removing a person's MFA device, the same on every page that does it: the administrator
    types the device's name to confirm, ``mfa_device_delete`` removes it (audited, the owner
    told, recovery codes with the last one), and the page says so. The page finds the device
    (``device_of``) when its own question allows, and says where to go back to."""

    form_class = DeleteConfirmForm
    device = None

    def device_of(self, owner) -> None:
        self.device = mfa_selectors.user_device_get(owner, self.kwargs["device_id"])

    def form_args(self):
        return (self.device.name,)

    def form_kwargs(self):
        return {"label": gettext_lazy("To confirm, enter the device name")}

    def perform(self, data):
        mfa_services.mfa_device_delete(
            actor=self.request.user, device=self.device, request=self.request
        )

    def success_message(self, result):
        return _("MFA device %(name)s was removed.") % {"name": self.device.name}

    def get_context_data(self, **context):
        return super().get_context_data(device=self.device, **context)


class UserMFARemove(DeviceRemoval, UserPage):
    """An administrator deactivates a user's MFA device (the way back for a user who lost it)."""

    permission = Permission("iam:DeactivateMFADevice", user_arn, "`USER`")
    template_name = "console/user_mfa_remove.html"

    def load(self):
        super().load()
        self.device_of(self.user)

    def success_url(self, result):
        return reverse("console:user_detail", args=[self.account.id, self.user.name])


class UserMFAHardware(UserPage):
    """An administrator imports a hardware TOTP token for a user: serial, seed, two codes."""

    permission = Permission("iam:EnableMFADevice", user_arn, "`USER`")
    template_name = "console/user_mfa_hardware.html"
    form_class = HardwareTokenForm
    sensitive_post_parameters = ("seed",)
    never_cache = True

    def get_initial(self):
        return {"name": f"{self.user.name}-token"}

    def perform(self, data):
        return totp_services.hardware_totp_device_enable(
            actor=self.request.user,
            user=self.user,
            name=data["name"],
            serial=data["serial"],
            seed=data["seed"],
            first_code=data["code1"],
            second_code=data["code2"],
            request=self.request,
        )

    def success_message(self, device):
        return _("Hardware TOTP token %(serial)s was assigned to %(user)s.") % {
            "serial": device.serial,
            "user": self.user.name,
        }

    def success_url(self, device):
        return reverse("console:user_detail", args=[self.account.id, self.user.name])
