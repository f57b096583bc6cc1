"""The composition mechanism: `component` makes a factory of a real adapter (DynamoDB repository, SES/SNS notifier,
Secrets Manager key) a once-per-container singleton, built only when first asked. Each package declares its own
factories in its `wiring.py` (supportdesk.identity.wiring, supportdesk.tickets.wiring, ...), so this bottom-layer
module knows none of them. Handlers call the factories; tests build services with fakes."""

from __future__ import annotations

from functools import lru_cache, wraps
from typing import Callable, TypeVar

from supportdesk.clock import Clock, SystemClock
from supportdesk.settings import container_key

T = TypeVar("T")
_components: list = []


def component(factory: Callable[[], T]) -> Callable[[], T]:
    """Make `factory` a once-per-container singleton that reset_runtime() forgets. Each operation's package declares
    its own adapters this way (e.g. supportdesk/tickets/wiring.py), so no module needs to know them all.
    One instance per container_key(): a single one in Lambda, one per function in the local stack."""
    cached = lru_cache(maxsize=None)(lambda container: factory())
    _components.append(cached)

    @wraps(factory)
    def instance() -> T:
        return cached(container_key())

    return instance


_installed_clock: Clock | None = None


def install_clock(replacement: Clock | None) -> None:
    """Make `replacement` the clock of every adapter built from now on (None: the system clock again). The local stack
    installs its AdjustableClock here; Lambda never calls this. Forgets the built adapters, which hold the old one."""
    global _installed_clock
    _installed_clock = replacement
    reset_runtime()


@component
def clock() -> Clock:
    return _installed_clock or SystemClock()


def reset_runtime() -> None:
    """Forget every cached adapter (tests and the local stack change settings between runs)."""
    for factory in _components:
        factory.cache_clear()
