"""Run the memory service: `python -m memory`."""

from memory.app import create_app
from memory.settings import MemorySettings
from support_core.serve import serve

serve(create_app, MemorySettings())
