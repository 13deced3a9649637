"""Run the gateway service: `python -m gateway`."""

from gateway.app import create_app
from gateway.settings import GatewaySettings
from support_core.serve import serve

serve(create_app, GatewaySettings())
