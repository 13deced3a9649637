"""Run the audit service: `python -m audit`."""

from audit.app import create_app
from audit.settings import AuditSettings
from support_core.serve import serve

serve(create_app, AuditSettings())
