"""pywps responses share one compiled-template Environment per process (weaver.wps.templates)."""
from __future__ import annotations

from jinja2 import PackageLoader
from pywps.app.WPSRequest import WPSRequest
from pywps.response.describe import DescribeResponse

import weaver.wps.service  # noqa: F401  # installs the shared environments, as the web app and worker do
from weaver.wps.templates import shared_environment


def test_same_options_give_the_same_environment() -> None:
    first = shared_environment(loader=PackageLoader("pywps", "templates"), trim_blocks=True, autoescape=True)
    second = shared_environment(loader=PackageLoader("pywps", "templates"), trim_blocks=True, autoescape=True)
    other = shared_environment(loader=PackageLoader("pywps", "templates"), trim_blocks=False, autoescape=True)
    assert first is second
    assert other is not first


def test_pywps_responses_reuse_compiled_templates() -> None:
    one, two = DescribeResponse(WPSRequest(), uuid="a", processes={}), DescribeResponse(WPSRequest(), uuid="b",
                                                                                        processes={})
    assert one.template_env is two.template_env
    template = one.template_env.get_template("1.0.0/describe/main.xml")
    assert two.template_env.get_template("1.0.0/describe/main.xml") is template
    assert "ProcessDescriptions" in template.render(processes=[], language="en-US")
