"""schemathesis hooks of tests/functional/test_schemathesis.py (loaded through ``SCHEMATHESIS_HOOKS``).

``ogc_response_schema`` validates every JSON response against the official response schema of its operation,
with the official test suite's reading of ``oneOf`` (see ``EtsValidator`` in tests/ogc_schemas.py); responses with
a status the operation does not declare are error documents and must match ``exception.yaml``.
"""
from __future__ import annotations

import json
from typing import Any, Optional

import schemathesis
from ogc_schemas import EtsValidator, validate_response


@schemathesis.check
def ogc_response_schema(ctx: Any, response: Any, case: Any) -> Optional[bool]:
    content_type = ""
    for name, values in response.headers.items():
        if name.lower() == "content-type":
            content_type = values[0] if isinstance(values, list) else values
    if not content_type.startswith("application/json") or not response.content:
        return None
    operation_id = case.operation.definition.raw.get("operationId")
    errors = validate_response(operation_id, response.status_code, json.loads(response.content), cls=EtsValidator)
    if errors:
        raise AssertionError(f"{case.operation.label} answered {response.status_code} with a body that violates "
                             f"the official schema: {errors[:5]}")
    return True
