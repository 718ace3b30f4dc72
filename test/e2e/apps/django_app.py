"""A Django app configured as the X-Ray docs show: XRayMiddleware first, a function decorated
with @xray_recorder.capture. Sends its segments to AWS_XRAY_DAEMON_ADDRESS (Fluoro), makes one
request that succeeds and one that raises, and prints each response's trace id as JSON."""
import json
import os
import secrets
import sys
import time

import django
from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY='fluoro-test',
    ROOT_URLCONF=__name__,
    ALLOWED_HOSTS=['*'],
    INSTALLED_APPS=['aws_xray_sdk.ext.django'],
    MIDDLEWARE=['aws_xray_sdk.ext.django.middleware.XRayMiddleware'],
    XRAY_RECORDER={
        'AWS_XRAY_DAEMON_ADDRESS': os.environ['AWS_XRAY_DAEMON_ADDRESS'],
        'AWS_XRAY_TRACING_NAME': 'django-backend',
        'AWS_XRAY_CONTEXT_MISSING': 'LOG_ERROR',
        'AUTO_INSTRUMENT': False,
        'SAMPLING': False,
    },
    LOGGING_CONFIG=None,
)
django.setup()

from aws_xray_sdk.core import xray_recorder  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import path  # noqa: E402


@xray_recorder.capture('load-items')
def load_items():
    return ['apple', 'pear']


def items(request):
    xray_recorder.current_segment().put_annotation('tenant', 'acme')
    return JsonResponse({'items': load_items()})


def boom(request):
    raise ValueError('kaboom')


urlpatterns = [path('items/', items), path('boom/', boom)]

if __name__ == '__main__':
    client = Client(raise_request_exception=False)
    out = {}
    for name, url in (('ok', '/items/'), ('boom', '/boom/')):
        # As an upstream service would: the request carries the trace id the segment joins.
        root = '1-%08x-%s' % (int(time.time()), secrets.token_hex(12))
        response = client.get(url, HTTP_X_AMZN_TRACE_ID='Root=%s;Sampled=1' % root)
        out[name] = {'status': response.status_code, 'traceId': root}
    json.dump(out, sys.stdout)
