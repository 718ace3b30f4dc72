"""The official Python X-Ray SDK's centralized sampler, asking Fluoro for rules and targets.

Env: AWS_XRAY_DAEMON_ADDRESS ("udp:HOST:PORT tcp:HOST:PORT"). Every 100 ms it asks the SDK's
sampler whether a GET /quiet request to the py-worker service would be traced and prints the
answer as a JSON line: the name of the centralized rule that sampled it, false when a rule
did not, or true/false from the SDK's local fallback before it has Fluoro's rules.
"""
import json
import logging
import os
import sys
import time

from aws_xray_sdk.core import xray_recorder

logging.disable(logging.CRITICAL)
xray_recorder.configure(
    service='py-worker',
    daemon_address=os.environ['AWS_XRAY_DAEMON_ADDRESS'],
    context_missing='IGNORE_ERROR',
)
request = {'host': 'worker.local', 'method': 'GET', 'path': '/quiet', 'service': 'py-worker'}
while True:
    print(json.dumps(xray_recorder.sampler.should_trace(request)), flush=True)
    time.sleep(0.1)
