"""The web pages the gateway serves and their assets (web/)."""
