#!/usr/bin/env python3
"""Prints the MSK IAM tokens that crates/kafka-offsets/src/client/sigv4.rs's unit test expects, made by botocore's
SigV4QueryAuth (the signer of AWS's aws-msk-iam-sasl-signer-python) with AWS's example keys and a fixed clock.
Needs botocore: `python3 -m pip install botocore`."""
import base64
import datetime
from unittest import mock

from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SIGNED_AT = datetime.datetime(2026, 12, 6, 11, 30, 0)

for session_token in (None, "FwoGZXIvYXdzEXAMPLE+session/token=="):
    credentials = Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", session_token)
    signer = SigV4QueryAuth(credentials, "kafka-cluster", "eu-west-1", expires=900)
    request = AWSRequest(
        method="GET", url="https://kafka.eu-west-1.amazonaws.com/", params={"Action": "kafka-cluster:Connect"}
    )
    with mock.patch("botocore.auth.get_current_datetime", return_value=SIGNED_AT):
        signer.add_auth(request)
    request.params = {"User-Agent": "offset-tools/test"}
    url = request.prepare().url
    print(url)
    print(base64.urlsafe_b64encode(url.encode()).decode().rstrip("="))
