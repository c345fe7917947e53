"""pywps inside weaver: configuration and worker-side service (``service``), WPS documents, and the
``/ows/wps`` endpoint (``routes``, ``views``), which the worker never imports."""
