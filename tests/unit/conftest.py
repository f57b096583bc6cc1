"""Unit tests run without the network: any socket a unit test (or the code it runs) opens fails the test
(pytest-socket). Integration tests use moto in-process; end-to-end tests talk HTTP to the local stack."""
from __future__ import annotations

from typing import Iterator

import pytest
from pytest_socket import disable_socket, enable_socket


@pytest.fixture(autouse=True)
def _no_sockets() -> Iterator[None]:
    disable_socket(allow_unix_socket=False)
    yield
    enable_socket()
