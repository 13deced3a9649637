"""The Autobahn WebSocket conformance cases (run by kosoku, from PyPI) against the gateway's
WebSocket stack, through its test-mode echo route.

Left out, on purpose: messages over the gateway's 1 MiB limit (9.1.4–9.2.6 and the 4 MiB
fragmented messages of 9.3 and 9.4: it closes with 1009, message too big, as configured) and
the compression throughput cases 12.2+ / 13.2+ (minutes of CPU each on two cores)."""

import pytest
from kosoku import FailureError, run_fuzzingclient

from tests.support.servers import ServiceProcess

pytestmark = pytest.mark.e2e
CASES = ["1.*", "2.*", "3.*", "4.*", "5.*", "6.*", "7.*", "9.*", "10.*", "12.1.*", "13.1.*"]
OVER_THE_LIMIT = [
    *(f"9.{group}.{size}" for group in (1, 2) for size in (4, 5, 6)),
    "9.3.*",
    "9.4.*",
]
ACCEPTED = {"OK", "NON-STRICT", "INFORMATIONAL"}


# The Autobahn case files open their test data without closing it (case12_x_x.py).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
async def test_the_gateway_passes_the_autobahn_cases(gateway: ServiceProcess) -> None:
    url = gateway.base_url.replace("http", "ws", 1) + "/test/echo"
    try:
        results = await run_fuzzingclient(url, CASES, OVER_THE_LIMIT, concurrency=4)
    except FailureError as failure:
        results = failure.results
    failed = [
        (r.case_id, r.behavior.value, r.behavior_close.value)
        for r in results
        if r.behavior.value not in ACCEPTED or r.behavior_close.value not in ACCEPTED
    ]
    assert len(results) > 250
    assert failed == []
