"""Notifications of job subscribers: HTTP callbacks and emails, when a job starts and when it ends.

Subscribers are stored in the job as ``{"emails": {category: token}, "callbacks": {category: url}}`` with the
categories ``running``, ``success`` and ``failed``. Email addresses are stored encrypted (Fernet, key derived
with PBKDF2-SHA256 from ``weaver.wps_email_encrypt_salt`` and ``_rounds``) and only decrypted to send.

A notification never fails a job: each outcome is written to the job log, and callbacks are retried a bounded
number of times with a doubling delay. The callback body is the OGC results document when the job succeeded,
else the job status document. Email templates are ``string.Template`` texts whose first line may be
``Subject: ...``; they are looked up as ``<dir>/<process>/<status>.tmpl``, ``<dir>/<process>.tmpl``, then the
default template file, then the bundled text.
"""
from __future__ import annotations

import base64
import functools
import logging
import os
import smtplib
import ssl
import string
import time
from email.message import EmailMessage
from typing import Any, Dict, Mapping, Optional, Tuple

import requests
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from weaver.config import get_settings
from weaver.datatype import Job
from weaver.jobs import urls
from weaver.jobs.results import results_document
from weaver.jobs.status_doc import job_status_document
from weaver.status import Status, map_status

LOGGER = logging.getLogger(__name__)
CALLBACK_ACCEPTED = (200, 201, 202)
CATEGORY_OF_STATUS = {Status.ACCEPTED: "running", Status.RUNNING: "running", Status.SUCCESSFUL: "success",
                      Status.FAILED: "failed"}
DEFAULT_TEMPLATE = """Subject: Job $process $status
Dear subscriber,

Job $job_id of process $process is $status: $message
Created: $created. Finished: $finished. Duration: $duration.

Status: $status_url
Results: $results_url
Logs: $logs_url
"""


# ----- encryption at rest -----
@functools.lru_cache(maxsize=8)
def _fernet(salt: str, rounds: int) -> Fernet:
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt.encode("utf-8"), iterations=rounds)
    return Fernet(base64.urlsafe_b64encode(kdf.derive(salt.encode("utf-8"))))


def _cipher(settings: Mapping[str, Any]) -> Fernet:
    settings = get_settings(settings)
    return _fernet(settings["weaver.wps_email_encrypt_salt"], settings["weaver.wps_email_encrypt_rounds"])


def encrypt_email(email: str, settings: Mapping[str, Any]) -> str:
    return _cipher(settings).encrypt(email.encode("utf-8")).decode("ascii")


def decrypt_email(token: str, settings: Mapping[str, Any]) -> str:
    return _cipher(settings).decrypt(token.encode("ascii")).decode("utf-8")


def encrypt_subscribers(subscribers: Optional[Dict[str, Dict[str, str]]], settings: Mapping[str, Any]
                        ) -> Optional[Dict[str, Dict[str, str]]]:
    """The job's subscribers with every email address encrypted, ready to be stored."""
    if not subscribers:
        return subscribers
    result = {kind: dict(values) for kind, values in subscribers.items()}
    if "emails" in result:
        result["emails"] = {cat: encrypt_email(addr, settings) for cat, addr in result["emails"].items()}
    return result


# ----- callbacks -----
def send_callback(url: str, body: Dict[str, Any], settings: Mapping[str, Any]) -> Tuple[bool, str]:
    """POST ``body`` to ``url`` until it is accepted or the attempts run out; ``(accepted, what happened)``."""
    settings = get_settings(settings)
    attempts = max(1, settings["weaver.notify_callback_retries"])
    delay = settings["weaver.notify_callback_backoff"]
    error = ""
    for attempt in range(1, attempts + 1):
        try:
            resp = requests.post(url, json=body, timeout=settings["weaver.notify_callback_timeout"])
            if resp.status_code in CALLBACK_ACCEPTED:
                return True, f"HTTP {resp.status_code} after {attempt} attempt(s)"
            error = f"HTTP {resp.status_code}"
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"
        if attempt < attempts:
            time.sleep(delay)
            delay *= 2
    return False, f"{error} after {attempts} attempt(s)"


def callback_body(job: Job, settings: Mapping[str, Any]) -> Dict[str, Any]:
    if map_status(job.status) == Status.SUCCESSFUL:
        try:
            return results_document(job, settings)
        except Exception as exc:  # results unreadable: the status document still tells the subscriber
            LOGGER.warning("Results of %s unavailable for its callback: %s", job, exc)
    return job_status_document(job, settings)


# ----- emails -----
def find_template(settings: Mapping[str, Any], process: str, status: str) -> str:
    """The template text for a process and status (see the module documentation for the lookup order)."""
    settings = get_settings(settings)
    folder = settings["weaver.wps_email_notify_template_dir"]
    candidates = []
    if folder:
        candidates += [os.path.join(folder, process, f"{status}.tmpl"), os.path.join(folder, f"{process}.tmpl")]
    if settings["weaver.wps_email_notify_template_default"]:
        candidates.append(settings["weaver.wps_email_notify_template_default"])
    for path in candidates:
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as file:
                return file.read()
    return DEFAULT_TEMPLATE


def render_email(job: Job, settings: Mapping[str, Any]) -> Tuple[str, str]:
    """``(subject, body)`` of the notification email of a job in its current status."""
    status = map_status(job.status).value
    text = find_template(settings, job.process or "", status)
    values = {
        "job_id": job.id, "process": job.process or "", "provider": job.service or "", "status": status,
        "message": job.status_message, "created": job.created.isoformat(),
        "started": job.started.isoformat() if job.started else "", "duration": job.duration_str,
        "finished": job.finished.isoformat() if job.finished else "", "status_url": urls.status_url(settings, job),
        "results_url": urls.results_url(settings, job), "logs_url": urls.status_url(settings, job) + "/logs",
        "progress": str(job.progress),
    }
    rendered = string.Template(text).safe_substitute(values)
    subject = f"Job {values['process']} {status}"
    if rendered.startswith("Subject:"):
        first, _, rendered = rendered.partition("\n")
        subject = first[len("Subject:"):].strip()
    return subject, rendered


def send_email(to_addr: str, subject: str, body: str, settings: Mapping[str, Any]) -> None:
    """Send one email through the configured SMTP server (SSL, else STARTTLS when offered)."""
    settings = get_settings(settings)
    host, port = settings["weaver.wps_email_notify_smtp_host"], settings["weaver.wps_email_notify_port"]
    timeout = settings["weaver.wps_email_notify_timeout"]
    message = EmailMessage()
    message["From"] = settings["weaver.wps_email_notify_from_addr"]
    message["To"] = to_addr
    message["Subject"] = subject
    message.set_content(body)
    if settings["weaver.wps_email_notify_ssl"]:
        server: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        server = smtplib.SMTP(host, port, timeout=timeout)
    with server:
        server.ehlo()
        if not settings["weaver.wps_email_notify_ssl"] and server.has_extn("starttls"):
            server.starttls(context=ssl.create_default_context())
            server.ehlo()
        if settings["weaver.wps_email_notify_password"]:
            server.login(message["From"], settings["weaver.wps_email_notify_password"])
        server.send_message(message)


def _mask(address: str) -> str:
    name, _, domain = address.partition("@")
    return f"{name[:1]}***@{domain}" if domain else "***"


# ----- entry point -----
def notify_job_subscribers(job: Job, settings: Mapping[str, Any]) -> None:
    """Notify the subscribers of the job's current status category; outcomes go to the job log, never raises."""
    try:
        category = CATEGORY_OF_STATUS.get(map_status(job.status))
        subscribers = job.get("subscribers") or {}
        if not category or not subscribers:
            return
        url = (subscribers.get("callbacks") or {}).get(category)
        if url:
            accepted, outcome = send_callback(url, callback_body(job, settings), settings)
            if accepted:
                job.save_log(f"Notification callback ({category}) sent to [{url}]: {outcome}.", logger=LOGGER)
            else:
                job.save_log(f"Notification callback ({category}) to [{url}] failed: {outcome}.",
                             level=logging.WARNING, logger=LOGGER)
        token = (subscribers.get("emails") or {}).get(category)
        if token:
            _notify_email(job, token, category, settings)
    except Exception as exc:  # a notification must never fail the job it reports on
        job.save_log(f"Notification of subscribers failed: {type(exc).__name__}: {exc}", level=logging.WARNING,
                     logger=LOGGER)


def _notify_email(job: Job, token: str, category: str, settings: Mapping[str, Any]) -> None:
    if not get_settings(settings)["weaver.wps_email_notify_smtp_host"]:
        job.save_log(f"Notification email ({category}) not sent: no SMTP server configured.",
                     level=logging.WARNING, logger=LOGGER)
        return
    try:
        address = decrypt_email(token, settings)
    except InvalidToken:
        job.save_log(f"Notification email ({category}) not sent: the stored address cannot be decrypted.",
                     level=logging.WARNING, logger=LOGGER)
        return
    try:
        subject, body = render_email(job, settings)
        send_email(address, subject, body, settings)
    except (smtplib.SMTPException, OSError) as exc:
        job.save_log(f"Notification email ({category}) to {_mask(address)} failed: {type(exc).__name__}: {exc}",
                     level=logging.WARNING, logger=LOGGER)
        return
    job.save_log(f"Notification email ({category}) sent to {_mask(address)}.", logger=LOGGER)
