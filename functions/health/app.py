"""GET /health: answers without touching any dependency, so it says the API and Lambda are up."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from supportdesk.api import create_app, responses
from supportdesk.observability import logger

app = create_app()


@app.get("/health", summary="Liveness probe", tags=["system"], openapi_extensions=responses(200, "Health"))
def health() -> dict:
    return {"status": "ok"}


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
