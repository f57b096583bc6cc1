"""Customer satisfaction as a metric, for every rating (the ticket API's and the survey's)."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from supportdesk.observability import metrics


def record_csat(queue: str, score: int) -> None:
    """CSAT per queue: `Csat` is 1 for a 4 or 5 and 0 otherwise, so its daily Average per Queue is the share of
    satisfied answers."""
    with single_metric(
        name="Csat", unit=MetricUnit.Count, value=1 if score >= 4 else 0, namespace=metrics.namespace
    ) as metric:
        metric.add_dimension(name="Queue", value=queue or "general")
