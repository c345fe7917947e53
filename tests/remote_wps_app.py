"""A small real WPS 1.0.0 server (pywps) that tests register in weaver as a remote provider.

Run as ``python tests/remote_wps_app.py --port N --dir D``: WPS on ``/wps``, status documents and output
files served from ``D/outputs`` on ``/outputs``. Processes: ``echo`` (a literal and a file of the message),
``echo_sync`` (no status support: synchronous only), ``sleep`` (reports progress while it sleeps) and ``fail``
(always fails with a known message).
Two broken twins of the endpoint describe the same processes but misbehave on Execute: ``/wps-500`` answers
HTTP 500 and ``/wps-slow`` answers after ``SLOW_SECONDS`` (longer than the client timeout of the tests).
"""
from __future__ import annotations

import argparse
import os
import time

import pywps
import waitress
from pywps import ComplexOutput, Format, LiteralInput, LiteralOutput
from pywps.app.exceptions import ProcessError
from werkzeug.middleware.shared_data import SharedDataMiddleware

FAIL_MESSAGE = "Remote failure on purpose."
SLOW_SECONDS = 2.5


def _echo(request, response):
    message = request.inputs["message"][0].data
    response.outputs["output"].data = message
    response.outputs["file"].data = f"file says: {message}"
    return response


def _echo_sync(request, response):
    response.outputs["output"].data = request.inputs["message"][0].data
    return response


def _sleep(request, response):
    delay = float(request.inputs["delay"][0].data)
    steps = 5
    for step in range(steps):
        response.update_status(f"sleeping step {step + 1}/{steps}", int(100 * step / steps))
        time.sleep(delay / steps)
    response.outputs["slept"].data = delay
    return response


def _fail(request, response):
    raise ProcessError(FAIL_MESSAGE)


def processes() -> list:
    return [
        pywps.Process(_echo, identifier="echo", title="Echo", abstract="Returns the message, as a literal and a file.",
                      version="1.2", inputs=[LiteralInput("message", "Message", data_type="string")],
                      outputs=[LiteralOutput("output", "Output", data_type="string"),
                               ComplexOutput("file", "File", supported_formats=[Format("text/plain")])],
                      store_supported=True, status_supported=True),
        pywps.Process(_sleep, identifier="sleep", title="Sleep", abstract="Sleeps, reporting its progress.",
                      inputs=[LiteralInput("delay", "Delay (s)", data_type="float", default=1.0, min_occurs=0)],
                      outputs=[LiteralOutput("slept", "Slept (s)", data_type="float")],
                      store_supported=True, status_supported=True),
        pywps.Process(_echo_sync, identifier="echo_sync", title="Echo (sync only)",
                      abstract="Returns the message; no status document, so only synchronous execution.",
                      inputs=[LiteralInput("message", "Message", data_type="string")],
                      outputs=[LiteralOutput("output", "Output", data_type="string")],
                      store_supported=False, status_supported=False),
        pywps.Process(_fail, identifier="fail", title="Fail", abstract="Always fails.",
                      inputs=[LiteralInput("message", "Message", data_type="string", min_occurs=0)],
                      outputs=[LiteralOutput("output", "Output", data_type="string")],
                      store_supported=True, status_supported=True),
    ]


def write_config(root: str, port: int) -> str:
    outputs, workdir = os.path.join(root, "outputs"), os.path.join(root, "workdir")
    os.makedirs(outputs, exist_ok=True)
    os.makedirs(workdir, exist_ok=True)
    path = os.path.join(root, "pywps.cfg")
    with open(path, "w", encoding="utf-8") as file:
        file.write(f"""[server]
url = http://127.0.0.1:{port}/wps
outputurl = http://127.0.0.1:{port}/outputs
outputpath = {outputs}
workdir = {workdir}
parallelprocesses = 4
maxprocesses = 10

[processing]
mode = default

[logging]
level = INFO
database = sqlite:///{os.path.join(root, "pywps-logs.sqlite")}
""")
    return path


def make_app(root: str, port: int):
    service = pywps.Service(processes=processes(), cfgfiles=[write_config(root, port)])

    def app(environ, start_response):
        path = environ.get("PATH_INFO", "").rstrip("/")
        executing = environ.get("REQUEST_METHOD") == "POST"
        if path == "/wps-500" and executing:
            start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
            return [b"broken on purpose"]
        if path == "/wps-slow" and executing:
            time.sleep(SLOW_SECONDS)
        if path not in ("/wps", "/wps-500", "/wps-slow"):
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        return service(environ, start_response)

    return SharedDataMiddleware(app, {"/outputs": os.path.join(root, "outputs")})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    args = parser.parse_args()
    waitress.serve(make_app(os.path.abspath(args.dir), args.port), host="127.0.0.1", port=args.port, threads=8)


if __name__ == "__main__":
    main()
