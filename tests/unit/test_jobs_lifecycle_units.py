"""Pure parts of the job lifecycle: listing parameters, email encryption and templates, queued message ids."""
from __future__ import annotations

import base64
import json
from datetime import datetime, timezone

import pytest
from cryptography.fernet import InvalidToken

from weaver.config import get_settings
from weaver.datatype import Job
from weaver.exceptions import JobInvalidParameter, UnprocessableEntity
from weaver.jobs.listing import parse_datetime, parse_status
from weaver.notify import decrypt_email, encrypt_email, encrypt_subscribers, render_email
from weaver.reaper import _job_id_of_message

SETTINGS = get_settings({"weaver.wps_email_encrypt_rounds": "1000", "weaver.url": "http://weaver.test"})


def test_status_names_aliases_and_categories():
    assert parse_status("running") == ["paused", "running", "started"]
    assert parse_status("failed") == ["error", "exception", "failed"]
    assert set(parse_status("finished")) >= {"successful", "failed", "dismissed"}
    assert parse_status("successful, dismissed") == ["canceled", "dismissed", "finished", "succeeded", "successful"]
    assert parse_status("") is None
    with pytest.raises(JobInvalidParameter) as err:
        parse_status("running,nope")
    assert err.value.extra["value"] == {"status": "running,nope"}


def test_datetime_instants_and_intervals():
    start = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert parse_datetime("2024-01-02T03:04:05Z") == (start, start)
    assert parse_datetime("2024-01-02T03:04:05Z/..") == (start, None)
    assert parse_datetime("/2024-01-02T03:04:05+00:00") == (None, start)
    assert parse_datetime(None) == (None, None)
    for bad in ("2024-01-02", "02/01/2024", "../..", "2024-01-02T03:04:05"):
        with pytest.raises(JobInvalidParameter):
            parse_datetime(bad)
    with pytest.raises(UnprocessableEntity):
        parse_datetime("2024-01-03T00:00:00Z/2024-01-02T00:00:00Z")


def test_emails_encrypted_with_the_configured_salt():
    token = encrypt_email("a@b.org", SETTINGS)
    assert "a@b.org" not in token and token != encrypt_email("a@b.org", SETTINGS)
    assert decrypt_email(token, SETTINGS) == "a@b.org"
    other = get_settings({"weaver.wps_email_encrypt_rounds": "1000", "weaver.wps_email_encrypt_salt": "other"})
    with pytest.raises(InvalidToken):
        decrypt_email(token, other)
    subscribers = encrypt_subscribers({"emails": {"success": "a@b.org"}, "callbacks": {"failed": "http://x"}},
                                      SETTINGS)
    assert subscribers["callbacks"] == {"failed": "http://x"}
    assert decrypt_email(subscribers["emails"]["success"], SETTINGS) == "a@b.org"
    assert encrypt_subscribers(None, SETTINGS) is None


def test_default_email_text():
    job = Job(task_id="x", process="echo", status="failed", status_message="Job failed.")
    subject, body = render_email(job, SETTINGS)
    assert subject == "Job echo failed"
    assert f"http://weaver.test/processes/echo/jobs/{job.id}/results" in body and "Job failed." in body


def test_job_id_of_a_queued_redis_message():
    body = base64.b64encode(json.dumps([["4d1f-job", "http://wps"], {}, {}]).encode()).decode()
    raw = json.dumps({"body": body, "properties": {"body_encoding": "base64"}, "headers": {}}).encode()
    assert _job_id_of_message(raw) == "4d1f-job"
    assert _job_id_of_message(b"not json") is None
