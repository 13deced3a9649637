"""Template of a domain tool: look the customer up in the company's customer system.

An HTTP GET with a per-attempt timeout, retries with exponential backoff for transient failures
(tenacity), and a circuit breaker (applied by the tool runner). Off by default: add `crm` to
`ORCHESTRATOR_TOOLS` and point `ORCHESTRATOR_CRM__URL` at the system.
"""

from dataclasses import dataclass

import httpx
from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from orchestrator.context import TurnContext
from orchestrator.tools import ToolResult


def transient(error: BaseException) -> bool:
    """Worth retrying: the system is unreachable, slow, or failing on its side."""
    if isinstance(error, httpx.HTTPStatusError):
        return error.response.status_code >= 500 or error.response.status_code == 429
    return isinstance(error, httpx.TransportError)


@dataclass
class CrmLookupTool:
    """`GET {url}/customers/{customer_id}` → the customer's record, if the system knows them."""

    client: httpx.AsyncClient
    attempts: int
    backoff_seconds: float
    timeout: float
    name: str = "crm"

    async def run(self, context: TurnContext) -> ToolResult:
        """Fetch the record; a customer the system does not know is not a failure."""
        customer_id = context.message.customer_id
        if not customer_id:
            return ToolResult(True, None, {"found": False, "reason": "anonymous session"})
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.attempts),
            wait=wait_exponential(multiplier=self.backoff_seconds, max=2),
            retry=retry_if_exception(transient),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                response = await self.client.get(f"/customers/{customer_id}")
                if response.status_code == 404:
                    return ToolResult(True, None, {"found": False})
                response.raise_for_status()
        return ToolResult(True, response.json(), {"found": True})
