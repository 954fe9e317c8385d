"""The IAM and STS Query APIs (``/iam/``, ``/sts/``): what boto3 and the aws CLI speak.

An interface beside the console: it verifies SigV4 (``sigv4``), reads and writes the query
protocol from botocore's own service models (``protocol``), asks the policy engine for every
operation (``dispatch``) and calls the same services the console does.
"""
