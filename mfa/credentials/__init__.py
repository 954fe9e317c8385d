"""*Security credentials* (a person's own page, the first step of assigning a device) and the
account's credential report (``report.py``, ``services.py``, ``tasks.py``): the report is here, in
the mfa layer, because its ``mfa_active`` column reads MFA devices."""
