"""What a job looks like to clients: URLs, status documents, results documents and guards.

Used by the REST views, the WPS endpoint and the submission code alike, so it imports none of them.
"""
