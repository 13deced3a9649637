"""Run the orchestrator service: `python -m orchestrator`."""

from orchestrator.app import create_app
from orchestrator.settings import OrchestratorSettings
from support_core.serve import serve

serve(create_app, OrchestratorSettings())
