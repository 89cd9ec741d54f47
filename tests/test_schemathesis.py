"""The OpenAPI document describes the server: schemathesis against a real `metakg serve`.

Schemathesis generates requests from ``/openapi.json`` (its examples, coverage, fuzzing and
stateful phases; valid and invalid data) and sends them to a real server on 127.0.0.1 with
the rate limit off. Every check it has runs on every answer ("all" in schemathesis 4:
not_a_server_error, status_code_conformance, content_type_conformance,
response_headers_conformance, response_schema_conformance, negative_data_rejection,
positive_data_acceptance, missing_required_header, unsupported_method,
allow_header_conformance, use_after_free, ensure_resource_availability, ignored_auth,
object_level_authorization). The test fails on any failure, naming each.

Two choices of the service are told to schemathesis, each for a stated reason:

- 422 "Unprocessable request" is an accepted answer to a schema-valid request. It is the
  service's answer when a well-formed value names nothing in this release (``organ=bnoe``),
  names several things, or values do not go together (``from`` equal to ``to``): a schema
  cannot list the names of a knowledge graph. 400 stays the answer to a request that breaks
  the document, so every schema-valid 400 is still a failure.
- ``/sparql`` may answer 400 to a schema-valid query: the SPARQL 1.1 Protocol requires 400
  for a query that does not parse, and SPARQL's grammar is not a JSON Schema. Its other
  checks (5xx, status codes, content types, the SPARQL JSON results schema, headers) run.
- 413 and 414 are refusals by size, before any validation: a body over METAKG_MAX_BODY or a
  URL over METAKG_MAX_URL is refused whether its content is valid or not.

Requests whose URL is over 60,000 characters are not generated: above 64 KiB the HTTP
server (Granian) answers by itself, 414 or 431 without a body, before the app sees the
request (the app's own limit, METAKG_MAX_URL = 8192, answers problem+json and is tested).

Profiles: the default (CI) one generates at least 1,000 requests in well under a minute;
``METAKG_SCHEMATHESIS=long`` runs many more examples per operation with a random seed.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

schemathesis = pytest.importorskip("schemathesis")

pytestmark = pytest.mark.slow

LONG = os.environ.get("METAKG_SCHEMATHESIS", "").casefold() == "long"
#: Examples per operation and phase (the coverage phase adds its own boundary cases).
MAX_EXAMPLES = 100 if LONG else 4
SEED = None if LONG else 20261205
MIN_REQUESTS = 1000
MAX_URL_GENERATED = 60_000

POSITIVE_OK = ["2xx", "404", "413", "414", "422"]
NEGATIVE_OK = ["400", "404", "405", "406", "413", "414", "415", "422"]


def _config(base_url: str) -> Any:
    from schemathesis.config import SchemathesisConfig

    data: dict[str, Any] = {
        "base-url": base_url,
        "workers": 2,
        "request-timeout": 30,
        "generation": {"max-examples": MAX_EXAMPLES},
        "checks": {
            "positive_data_acceptance": {"expected-statuses": POSITIVE_OK},
            "negative_data_rejection": {"expected-statuses": NEGATIVE_OK},
        },
        "operations": [
            {
                "include-path": "/sparql",
                "checks": {
                    "positive_data_acceptance": {"expected-statuses": [*POSITIVE_OK, "400"]}
                },
            },
            *(
                []
                if LONG
                else [
                    # The coverage phase's boundary values of a simulation (10 million cells,
                    # 1,000 null-model permutations) take about 60 s on their own: the CI
                    # profile fuzzes these routes, the long profile covers them too.
                    {
                        "include-path-regex": "^/api/v1/(simulate|export)$",
                        "phases": {"coverage": {"enabled": False}},
                    }
                ]
            ),
        ],
        "warnings": False,
    }
    if SEED is not None:
        data["seed"] = SEED
    return SchemathesisConfig.from_dict(data)


def _url_length(query: dict[str, Any] | None) -> int:
    if not query:
        return 0
    return len(urlencode(query, doseq=True))


@pytest.fixture(scope="module")
def server(store_path: Path):  # type: ignore[no-untyped-def]
    """A real `metakg serve` with a query process for each of schemathesis' two workers and
    more (so that no request waits for a busy one), rate limit off."""
    from tests.conftest import LiveServer

    live = LiveServer(store_path, workers="1", threads="4", query_processes="4", query_timeout="10")
    yield live
    live.stop()


def test_the_openapi_document_describes_the_server(server: Any) -> None:
    live_server = server
    from schemathesis import engine
    from schemathesis.engine import Status, events

    config = _config(live_server.url)
    schema = schemathesis.openapi.from_url(live_server.url + "/openapi.json", config=config)

    outside_the_app: list[int] = []

    @schema.hook
    def filter_query(context: Any, query: dict[str, Any] | None) -> bool:
        return _url_length(query) <= MAX_URL_GENERATED

    @schema.hook
    def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
        """Keep every failure except those on the HTTP server's own bare 414/431 (a request
        head over 64 KiB, which the app never sees: no Content-Type, no body)."""
        bare = response.status_code in (414, 431) and "Content-Type" not in response.headers
        if bare:
            outside_the_app.append(response.status_code)
        return not bare

    requests = 0
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    errors: list[str] = []
    slowest: Counter[str] = Counter()
    started = time.monotonic()
    for event in engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
            recorder = event.recorder
            slowest[f"{event.phase if hasattr(event, 'phase') else 'fuzz'} {recorder.label}"] += (
                event.elapsed_time
            )
            for interaction in recorder.interactions.values():
                requests += 1
                if interaction.response is not None:
                    statuses[interaction.response.status_code] += 1
            for case_id, checks in recorder.checks.items():
                for check in checks:
                    if check.status == Status.FAILURE:
                        case = recorder.cases[case_id].value
                        info = check.failure_info
                        title = info.failure.title if info is not None else ""
                        interaction = recorder.interactions.get(case_id)
                        answer = b""
                        if interaction is not None and interaction.response is not None:
                            answer = (interaction.response.content or b"")[:300]
                        failures.append(
                            f"{check.name}: {title} -- {case.method} {case.formatted_path} "
                            f"query={str(case.query)[:300]} body={str(case.body)[:300]} "
                            f"-> {answer!r}"
                        )
        elif isinstance(event, events.NonFatalError):
            errors.append(f"{event.label}: {event.value!r}")
        elif isinstance(event, events.FatalError):
            errors.append(f"fatal: {event.exception!r}")
    elapsed = time.monotonic() - started
    summary = (
        f"{requests} requests in {elapsed:.1f} s, statuses {dict(sorted(statuses.items()))}, "
        f"{len(failures)} failures, {len(errors)} errors; "
        f"{len(outside_the_app)} failures on the HTTP server's own bare 414/431 left out"
    )
    print(summary)
    print("slowest:", [(k, round(v, 1)) for k, v in slowest.most_common(12)])
    assert not errors, summary + "\n" + "\n".join(errors)
    assert not failures, summary + "\n" + "\n".join(sorted(set(failures)))
    assert not any(status >= 500 for status in statuses), summary
    assert requests >= MIN_REQUESTS, summary
