"""Notifications of job subscribers over real protocols: a local SMTP server and a local HTTP receiver.

The SMTP server (aiosmtpd) listens on the port the session ini gives the worker; the callback receiver is a
plain HTTP server of the test process. Both run on 127.0.0.1.
"""
from __future__ import annotations

import configparser
import json
import os
import threading
import time
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator, List

import pytest
import requests
from aiosmtpd.controller import Controller

from cwl_helpers import deploy, read_cwl
from weaver.config import get_settings
from weaver.notify import decrypt_email

ADDRESS = "subscriber@example.org"


def ini_settings(server) -> Dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(server.ini_path)
    return dict(parser["app:main"])


class Mailbox:
    """aiosmtpd handler keeping every message received."""

    def __init__(self) -> None:
        self.messages: List[Any] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd hook name)
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


@pytest.fixture()
def mailbox(server) -> Iterator[Mailbox]:
    settings = ini_settings(server)
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=int(settings["weaver.wps_email_notify_port"]))
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


class Receiver:
    """HTTP server recording POSTed JSON; answers each path with the statuses queued for it, then 200."""

    def __init__(self) -> None:
        self.calls: List[Dict[str, Any]] = []
        self.replies: Dict[str, List[int]] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server hook name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.calls.append({"path": self.path, "json": json.loads(body or b"null")})
                queued = receiver.replies.get(self.path) or []
                self.send_response(queued.pop(0) if queued else 200)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def calls_to(self, path: str) -> List[Dict[str, Any]]:
        return [call for call in self.calls if call["path"] == path]


@pytest.fixture()
def receiver() -> Iterator[Receiver]:
    recv = Receiver()
    recv.thread.start()
    try:
        yield recv
    finally:
        recv.httpd.shutdown()
        recv.httpd.server_close()


def _logs(location: str) -> str:
    return "\n".join(requests.get(f"{location}/logs", timeout=10).json())


def test_success_notifies_callbacks_and_emails_at_start_and_end(server, submit, mailbox, receiver):
    body = {"inputs": {"stringInput": "notified"}, "subscribers": {
        "inProgressUri": f"{receiver.url}/progress", "successUri": f"{receiver.url}/success",
        "failedUri": f"{receiver.url}/failed", "inProgressEmail": ADDRESS, "successEmail": ADDRESS}}
    resp = submit("echo", body, {"Prefer": "respond-async"})
    assert resp.status_code == 201, resp.text
    location, job_id = resp.headers["Location"], resp.json()["jobID"]
    assert server.wait_job(location)["status"] == "successful"
    deadline = time.monotonic() + 10
    while (len(mailbox.messages) < 2 or not receiver.calls_to("/success")) and time.monotonic() < deadline:
        time.sleep(0.1)

    progress = receiver.calls_to("/progress")
    assert len(progress) == 1 and progress[0]["json"]["status"] == "running"
    assert progress[0]["json"]["jobID"] == job_id
    success = receiver.calls_to("/success")
    assert len(success) == 1 and success[0]["json"]["stringOutput"] == "notified"  # the OGC results document
    assert not receiver.calls_to("/failed")

    assert [rcpt for rcpt, _ in mailbox.messages] == [[ADDRESS], [ADDRESS]]
    subjects = [msg["Subject"] for _, msg in mailbox.messages]
    assert subjects == ["Job echo running", "Job echo successful"]
    text = mailbox.messages[1][1].get_payload(decode=True).decode()
    assert job_id in text and f"{location}/results" in text

    stored = server.db().jobs.find_one({"id": job_id})
    tokens = stored["subscribers"]["emails"]
    assert ADDRESS not in json.dumps(stored["subscribers"])  # encrypted at rest
    settings = get_settings(ini_settings(server))
    assert decrypt_email(tokens["success"], settings) == ADDRESS
    logs = _logs(location)
    assert "Notification callback (running) sent" in logs and "Notification callback (success) sent" in logs
    assert "Notification email (success) sent to s***@example.org." in logs
    assert ADDRESS not in logs


def test_failed_job_notifies_failed_subscribers_and_legacy_email(server, submit, mailbox, receiver):
    if requests.get(f"{server.url}/processes/cwl-fail", timeout=10).status_code != 200:
        deploy(server, read_cwl("fail.cwl"))
    body = {"inputs": {}, "notification_email": ADDRESS, "subscribers": {"failedUri": f"{receiver.url}/failed"}}
    resp = submit("cwl-fail", body, {"Prefer": "respond-async"})
    assert resp.status_code == 201, resp.text
    location = resp.headers["Location"]
    assert server.wait_job(location, timeout=60)["status"] == "failed"
    deadline = time.monotonic() + 10
    while (not mailbox.messages or not receiver.calls) and time.monotonic() < deadline:
        time.sleep(0.1)
    failed = receiver.calls_to("/failed")
    assert len(failed) == 1 and failed[0]["json"]["status"] == "failed"  # the status document
    assert [msg["Subject"] for _, msg in mailbox.messages] == ["Job cwl-fail failed"]


def test_callback_retried_with_backoff_and_never_failing_the_job(server, submit, receiver):
    receiver.replies["/flaky"] = [500, 503]  # accepted on the third attempt
    receiver.replies["/down"] = [500] * 10  # never accepted
    body = {"inputs": {"stringInput": "retry"}, "subscribers": {
        "inProgressUri": f"{receiver.url}/down", "successUri": f"{receiver.url}/flaky"}}
    resp = submit("echo", body, {"Prefer": "respond-async"})
    location = resp.headers["Location"]
    assert server.wait_job(location)["status"] == "successful"
    deadline = time.monotonic() + 10
    while len(receiver.calls_to("/flaky")) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(receiver.calls_to("/flaky")) == 3
    assert len(receiver.calls_to("/down")) == 3  # weaver.notify_callback_retries, then given up
    time.sleep(0.5)
    logs = _logs(location)
    assert "Notification callback (running) to" in logs and "failed: HTTP 500 after 3 attempt(s)" in logs
    assert "Notification callback (success) sent" in logs and "HTTP 200 after 3 attempt(s)" in logs


def test_unreachable_smtp_server_is_logged_not_fatal(server, submit):
    body = {"inputs": {"stringInput": "no mail"}, "subscribers": {"successEmail": ADDRESS}}
    resp = submit("echo", body, {"Prefer": "respond-async"})  # nothing listens on the SMTP port now
    location = resp.headers["Location"]
    assert server.wait_job(location)["status"] == "successful"
    time.sleep(0.5)
    assert "Notification email (success) to s***@example.org failed" in _logs(location)


def test_email_template_per_process_and_status(server, submit, mailbox):
    folder = ini_settings(server)["weaver.wps_email_notify_template_dir"]
    os.makedirs(os.path.join(folder, "echo"), exist_ok=True)
    with open(os.path.join(folder, "echo", "successful.tmpl"), "w", encoding="utf-8") as file:
        file.write("Subject: Echo done: $job_id\nYour echo finished ($status) in $duration.\n")
    with open(os.path.join(folder, "echo.tmpl"), "w", encoding="utf-8") as file:
        file.write("Subject: Echo news\nEcho is now $status.\n")
    try:
        body = {"inputs": {"stringInput": "templated"},
                "subscribers": {"inProgressEmail": ADDRESS, "successEmail": ADDRESS}}
        resp = submit("echo", body, {"Prefer": "respond-async"})
        job_id = resp.json()["jobID"]
        server.wait_job(resp.headers["Location"])
        deadline = time.monotonic() + 10
        while len(mailbox.messages) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        os.remove(os.path.join(folder, "echo", "successful.tmpl"))
        os.remove(os.path.join(folder, "echo.tmpl"))
    subjects = [msg["Subject"] for _, msg in mailbox.messages]
    assert subjects == ["Echo news", f"Echo done: {job_id}"]
    assert "Echo is now running." in mailbox.messages[0][1].get_payload(decode=True).decode()
    assert "Your echo finished (successful) in 00:00:" in mailbox.messages[1][1].get_payload(decode=True).decode()
