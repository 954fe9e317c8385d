from .mfa.models import HardwareTOTPDevice, MFADevice, VirtualMFADevice

__all__ = ["HardwareTOTPDevice", "MFADevice", "VirtualMFADevice"]
