"""A standalone pywps 4.8 server with one ``echo`` process, run in the pywps virtual environment by gunicorn.

Asynchronous requests (``storeExecuteResponse=true&status=true``) go through pywps's own job store (its SQLite
request log) and its status documents under the output directory, which this app also serves at ``/outputs/``.
Configuration comes from the file named by ``PYWPS_CFG``.
"""
import mimetypes
import os

from pywps import LiteralInput, LiteralOutput, Process, Service, configuration


def _echo(request, response):
    response.outputs["output"].data = request.inputs["message"][0].data
    return response


ECHO = Process(
    _echo, identifier="echo", title="Echo", abstract="Returns the message it is given.", version="1.0",
    inputs=[LiteralInput("message", "Message", data_type="string")],
    outputs=[LiteralOutput("output", "Echoed message", data_type="string")],
    store_supported=True, status_supported=True,
)
SERVICE = Service(processes=[ECHO], cfgfiles=[os.environ["PYWPS_CFG"]])
OUTPUT_DIR = configuration.get_config_value("server", "outputpath")


def application(environ, start_response):
    """WPS on ``/wps``, the status and output files of stored executions on ``/outputs/<name>``."""
    path = environ.get("PATH_INFO", "")
    if path.startswith("/outputs/"):
        name = os.path.normpath(path[len("/outputs/"):])
        full = os.path.join(OUTPUT_DIR, name)
        if name.startswith("..") or not os.path.isfile(full):
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        with open(full, "rb") as file:
            body = file.read()
        kind = mimetypes.guess_type(full)[0] or "application/octet-stream"
        start_response("200 OK", [("Content-Type", kind), ("Content-Length", str(len(body)))])
        return [body]
    return SERVICE(environ, start_response)
