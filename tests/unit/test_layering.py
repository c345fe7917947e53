"""The worker side imports no view: dependencies point one way."""
import subprocess
import sys

VIEW_MODULES = ("weaver.wps.views", "weaver.wps_restapi.jobs.views", "weaver.wps_restapi.processes.views",
                "weaver.wps_restapi.api", "weaver.wps_restapi.errors")


def test_execution_package_imports_no_view():
    code = ("import sys, weaver.processes.execution as m; "
            f"print(','.join(name for name in {VIEW_MODULES!r} if name in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_store_and_datatype_import_nothing_above_them():
    code = ("import sys, weaver.store.jobs, weaver.store.processes, weaver.datatype; "
            "print(','.join(n for n in sys.modules if n.startswith(('weaver.wps', 'weaver.processes', 'weaver.jobs'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
