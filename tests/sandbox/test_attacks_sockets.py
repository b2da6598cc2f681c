"""Review item 1: host services reachable through Unix sockets (both modes).

A snippet must not reach a host service by its socket's path (D-Bus, systemd, docker,
gpg-agent): with the network off there is no ``socket()`` at all, only stream
``socketpair()`` (which asyncio needs), and in strong mode ``/run``, ``/tmp``, ``/home`` and
``/var`` are empty besides. Each test stands up a real listener on the host.
"""

from __future__ import annotations

import glob
import os
import socket
import stat
import sys
from pathlib import Path

import pytest

from tests.sandbox.conftest import Env

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the sandbox's layers are Linux's")


def _listener(path: Path, kind: int) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, kind)
    sock.bind(str(path))
    if kind == socket.SOCK_STREAM:
        sock.listen()
    sock.settimeout(0.3)
    return sock


async def test_a_host_services_socket_cannot_be_reached_by_its_path(env: Env, tmp_path: Path):
    stream_path, dgram_path = tmp_path / "service.sock", tmp_path / "journal.sock"
    stream, dgram = (
        _listener(stream_path, socket.SOCK_STREAM),
        _listener(dgram_path, socket.SOCK_DGRAM),
    )
    result = await env.run(
        f"""
        import socket
        attempts = {{
            "stream": lambda: socket.socket(socket.AF_UNIX).connect({str(stream_path)!r}),
            "dgram": lambda: socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(
                b"hi", {str(dgram_path)!r}),
            "pair_dgram": lambda: socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)[0].sendto(
                b"hi", {str(dgram_path)!r}),
            "pair_seqpacket": lambda: socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET),
        }}
        for name, attempt in attempts.items():
            try:
                attempt()
                print(name, "reached")
            except OSError as e:
                print(name, type(e).__name__)
        """
    )
    with pytest.raises(TimeoutError):
        stream.accept()
    with pytest.raises(TimeoutError):
        dgram.recvfrom(10)
    stream.close()
    dgram.close()
    assert "reached" not in result.stdout, result.stdout
    assert result.stdout.split()[1::2] == ["PermissionError"] * 4, result.stdout


@pytest.fixture
def service_under_run():
    """A listening socket where services keep theirs: /run (root) or $XDG_RUNTIME_DIR."""
    base = Path(os.environ.get("XDG_RUNTIME_DIR") or "/run")
    if not os.access(base, os.W_OK):
        pytest.skip(f"cannot create a socket in {base}")
    path = base / f"prosepy-test-{os.urandom(4).hex()}.sock"
    sock = _listener(path, socket.SOCK_STREAM)
    yield path, sock
    sock.close()
    path.unlink()


async def test_sockets_where_services_live_are_out_of_reach(env: Env, service_under_run):
    """A service socket under /run, plus any real ones of this machine (D-Bus, systemd...)."""
    path, service = service_under_run
    found = [str(path)] + [
        p
        for p in glob.glob("/run/**", recursive=True) + glob.glob("/var/run/*/*")
        if os.path.exists(p) and stat.S_ISSOCK(os.stat(p).st_mode) and p != str(path)
    ][:20]
    result = await env.run(
        f"""
        import os, socket
        for path in {found!r}:
            try:
                s = socket.socket(socket.AF_UNIX)
                s.connect(path)
                print("reached", path)
            except OSError as e:
                print(type(e).__name__, os.path.exists(path))
        """
    )
    with pytest.raises(TimeoutError):
        service.accept()
    lines = result.stdout.splitlines()
    assert len(lines) == len(found) and not any(line.startswith("reached") for line in lines)
    if env.strong:  # /run is an empty tmpfs inside: the sockets are not even there
        assert all(line == "PermissionError False" for line in lines), lines


async def test_network_sockets_are_refused(env: Env):
    result = await env.run(
        """
        import socket
        kinds = [(socket.AF_INET, socket.SOCK_STREAM), (socket.AF_INET6, socket.SOCK_DGRAM),
                 (socket.AF_NETLINK, socket.SOCK_RAW), (socket.AF_PACKET, socket.SOCK_RAW),
                 (socket.AF_UNIX, socket.SOCK_STREAM)]
        for family, kind in kinds:
            try:
                socket.socket(family, kind)
                print("opened")
            except OSError as e:
                print(type(e).__name__)
        """
    )
    assert result.stdout.split() == ["PermissionError"] * 5, result.stdout


async def test_asyncio_and_stream_socketpairs_still_work(env: Env):
    """Positive control: asyncio's self-pipe and a stream pair, threads from run_in_executor."""
    result = await env.run(
        """
        import asyncio, socket

        async def main():
            a, b = socket.socketpair()
            reader, writer = await asyncio.open_connection(sock=a)
            b.sendall(b"ping\\n")
            line = await reader.readline()
            writer.close()
            b.close()
            doubled = await asyncio.get_running_loop().run_in_executor(None, lambda: 21 * 2)
            await asyncio.sleep(0.01)
            return line.decode().strip(), doubled

        answer = asyncio.run(main())
        answer
        """
    )
    assert result.ok, result
    assert result.lines[-1].text == "→ ('ping', 42)"
    assert not result.session_restarted  # the executor's thread ended with asyncio.run


async def test_host_trees_are_empty_or_unreadable(env: Env):
    """/tmp, /run, /home, /var of the host: strong mode shows them empty, medium mode refuses
    to read them (Landlock)."""
    planted = Path("/tmp") / f"prosepy-visible-{os.urandom(4).hex()}.txt"
    planted.write_text("host file")
    try:
        result = await env.run(
            f"""
            import os
            print(os.path.exists({str(planted)!r}))
            for path in ({str(planted)!r}, "/var/log", "/run", "/home"):
                try:
                    data = open(path).read() if path.endswith(".txt") else os.listdir(path)
                    print("read", path, data)
                except OSError as e:
                    print(type(e).__name__)
            """
        )
    finally:
        planted.unlink()
    lines = result.stdout.splitlines()
    assert "host file" not in result.stdout
    if env.strong:
        assert lines[0] == "False"
        assert lines[1] == "FileNotFoundError"
        # The hidden trees exist but show nothing of the host's (/run and /home are empty).
        assert all(not line.startswith("read") or line.endswith("[]") for line in lines[2:])
    else:
        assert lines[1:] == ["PermissionError"] * 4, lines
