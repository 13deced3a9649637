"""Offline text embeddings."""
