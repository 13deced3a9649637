"""Run the retrieval service: `python -m retrieval`."""

from retrieval.app import create_app
from retrieval.settings import RetrievalSettings
from support_core.serve import serve

serve(create_app, RetrievalSettings())
