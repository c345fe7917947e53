"""Domain records: Job, Process (and Service for remote providers)."""
from weaver.datatype.job import Job
from weaver.datatype.process import Process
from weaver.datatype.service import Service

__all__ = ["Job", "Process", "Service"]
