"""What the knowledge base and session attachments share: the uploaded file and its status."""

from datetime import datetime
from typing import Literal

from fastapi import HTTPException
from pydantic import BaseModel
from starlette.datastructures import UploadFile

from contracts import Audience
from gateway.knowledge import content_type_of


class DocumentStatus(BaseModel):
    """A document and where its indexing stands (`queued`, `indexed`, `failed`, `deleting`)."""

    document_id: str
    title: str
    content_type: str
    size_bytes: int
    source_url: str | None
    audience: Audience
    status: Literal["queued", "indexed", "failed", "deleting"]
    reason: str | None
    chunk_count: int | None
    created_at: datetime
    updated_at: datetime


async def read_upload(form_file: object, limit: int) -> tuple[bytes, str, str]:
    """Bytes, file name and content type of an uploaded file, refusing oversized ones."""
    if not isinstance(form_file, UploadFile):
        raise HTTPException(422, "a file field named 'file' is required")
    data = await form_file.read(limit + 1)
    if len(data) > limit:
        raise HTTPException(413, f"documents are limited to {limit} bytes")
    name = form_file.filename or "document"
    return data, name, content_type_of(name, form_file.content_type)
