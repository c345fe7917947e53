"""Job execution: submission, validation, the Celery task, and what is kept of results.

The public names of ``weaver.processes.execution`` live in small modules and are re-exported here.
"""
from weaver.processes.execution.inputs import (
    fetch_wps_process,
    parse_wps_input_bbox,
    parse_wps_input_complex,
    parse_wps_input_format,
    parse_wps_input_literal,
    parse_wps_inputs,
)
from weaver.processes.execution.progress import JobProgress, map_progress
from weaver.processes.execution.results import collect_statistics, make_results_relative, map_locations
from weaver.processes.execution.submit import (
    submit_job,
    submit_job_dispatch_task,
    submit_job_dispatch_wps,
    submit_job_handler,
    update_job_parameters,
)
from weaver.processes.execution.task import LOGGER, execute_process, log_and_save_update_status_handler
from weaver.processes.execution.validate import (
    validate_job_accept_header,
    validate_job_json,
    validate_job_schema,
    validate_process_exec_mode,
    validate_process_id,
    validate_process_io,
)

__all__ = [
    "LOGGER", "JobProgress", "collect_statistics", "execute_process", "fetch_wps_process",
    "log_and_save_update_status_handler", "make_results_relative", "map_locations", "map_progress",
    "parse_wps_input_bbox", "parse_wps_input_complex", "parse_wps_input_format", "parse_wps_input_literal",
    "parse_wps_inputs", "submit_job", "submit_job_dispatch_task", "submit_job_dispatch_wps", "submit_job_handler",
    "update_job_parameters", "validate_job_accept_header", "validate_job_json", "validate_job_schema",
    "validate_process_exec_mode", "validate_process_id", "validate_process_io",
]
