"""Run the escalation service: `python -m escalation`."""

from escalation.app import create_app
from escalation.settings import EscalationSettings
from support_core.serve import serve

serve(create_app, EscalationSettings())
