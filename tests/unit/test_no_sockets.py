"""The unit suite's guard against the network is on (tests/unit/conftest.py)."""
import socket

import pytest
from pytest_socket import SocketBlockedError

pytestmark = pytest.mark.filterwarnings("ignore:A test tried to use socket")


def test_opening_a_socket_in_a_unit_test_fails():
    with pytest.raises(SocketBlockedError):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)


def test_a_client_call_cannot_reach_out_either():
    import urllib.request

    with pytest.raises(SocketBlockedError):
        urllib.request.urlopen("http://127.0.0.1:9/", timeout=1)  # noqa: S310 - the point is that it cannot
