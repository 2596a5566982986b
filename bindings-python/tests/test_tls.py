"""TLS: a private CA given as a file, as PEM text, through COLONIES_CA_FILE or through the
system store (SSL_CERT_FILE), and the bad-TLS catalogue of docs/errors.md.

Most tests need the TLS test instance (``make test-tls`` points COLONYKIT_SERVER_ENV at
tests/server/run-tls/server.env); against the plain instance they are skipped.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import colonykit
import pytest
from colonykit import Client, TlsError


@pytest.fixture
def tls_server(server_env: dict[str, str], server_url: str) -> tuple[str, Path]:
    """The TLS instance's address and the folder of its certificates."""
    if server_env.get("COLONIES_TLS") != "true":
        pytest.skip("needs the TLS test instance (make test-tls)")
    return server_url, Path(server_env["COLONIES_CA_FILE"]).parent


async def tls_error(client: Client, address: str) -> str:
    with pytest.raises(TlsError) as raised:
        await client.server_version()
    assert raised.value.kind == "Tls"
    assert address in raised.value.message
    assert isinstance(raised.value, ConnectionError)
    return raised.value.message


async def test_a_private_ca_from_a_file_or_pem_text_is_trusted(tls_server):
    url, certs = tls_server
    await Client(url, ca_file=certs / "ca.pem").server_version()
    await Client(url, ca_file=str(certs / "ca.pem")).server_version()
    await Client(url, ca_pem=(certs / "ca.pem").read_text()).server_version()


async def test_an_unknown_issuer_is_a_tls_error(tls_server):
    url, certs = tls_server
    message = await tls_error(Client(url), url)
    assert "unknown issuer" in message and "COLONIES_CA_FILE" in message
    message = await tls_error(Client(url, ca_file=certs / "other-ca.pem"), url)
    assert "unknown issuer" in message


async def test_a_wrong_host_name_is_a_tls_error(tls_server):
    url, certs = tls_server
    # 127.0.0.2 reaches the same server; the certificate names localhost and 127.0.0.1.
    wrong = f"https://127.0.0.2:{urlsplit(url).port}"
    message = await tls_error(Client(wrong, ca_file=certs / "ca.pem"), wrong)
    assert 'not valid for the name "127.0.0.2"' in message


async def test_an_expired_certificate_is_a_tls_error(tls_server):
    _, certs = tls_server
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certs / "expired.pem", certs / "expired.key")

    async def handshake_only(reader, writer):
        try:
            await reader.read(1)
        except (ssl.SSLError, ConnectionError):
            pass
        writer.close()

    server = await asyncio.start_server(handshake_only, "127.0.0.1", 0, ssl=context)
    address = f"https://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        message = await tls_error(Client(address, ca_file=certs / "ca.pem"), address)
        assert "has expired" in message
    finally:
        server.close()


async def test_a_plain_http_server_behind_https_is_a_tls_error():
    async def plain_http(reader, writer):
        await reader.read(1024)
        writer.write(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(plain_http, "127.0.0.1", 0)
    address = f"https://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        assert "does not speak TLS" in await tls_error(Client(address), address)
    finally:
        server.close()


async def test_a_tls_server_behind_http_is_a_tls_error(tls_server):
    url, _ = tls_server
    plain = url.replace("https://", "http://")
    message = await tls_error(Client(plain), plain)
    assert "speaks TLS" in message and "use https://" in message


def test_an_unreadable_ca_file_is_a_tls_error(tmp_path):
    with pytest.raises(TlsError, match="cannot read the CA file"):
        Client("https://127.0.0.1:1", ca_file=tmp_path / "missing.pem")


def test_a_pem_that_is_not_a_certificate_is_a_tls_error():
    key = colonykit.generate_key()
    pem = f"-----BEGIN PRIVATE KEY-----\n{key}\n-----END PRIVATE KEY-----\n"
    with pytest.raises(TlsError, match="holds no certificate") as raised:
        Client("https://127.0.0.1:1", ca_pem=pem)
    assert key not in str(raised.value)
    with pytest.raises(colonykit.InvalidArgumentError, match="go together"):
        Client("https://127.0.0.1:1", client_cert="cert.pem")


async def test_skipping_verification_takes_the_dangerous_option_and_warns(tls_server, capfd):
    url, _ = tls_server
    client = Client(url, danger_skip_tls_verify=True)
    await client.server_version()
    assert "verification is OFF" in capfd.readouterr().err


PROGRAM = """
import asyncio, colonykit
try:
    asyncio.run(colonykit.Client.from_env().server_version())
    print("connected")
except colonykit.TlsError as error:
    print("TlsError", error)
"""


def run_program(url: str, **env: str) -> str:
    parts = urlsplit(url)
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("COLONIES_CA_FILE", "SSL_CERT_FILE", "SSL_CERT_DIR", "COLONIES_TLS")
    }
    environment.update(
        COLONIES_SERVER_HOST=parts.hostname or "",
        COLONIES_SERVER_PORT=str(parts.port),
        COLONIES_SERVER_TLS="true",  # pycolonies' name
        **env,
    )
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM], env=environment, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_program_connects_through_colonies_ca_file_alone(tls_server):
    url, certs = tls_server
    assert run_program(url, COLONIES_CA_FILE=str(certs / "ca.pem")) == "connected"
    assert run_program(url).startswith("TlsError")


def test_a_program_connects_through_the_system_store(tls_server, tmp_path):
    """SSL_CERT_FILE points the system-store loader at a bundle holding the test CA."""
    url, certs = tls_server
    bundle = tmp_path / "bundle.pem"
    system = Path("/etc/ssl/certs/ca-certificates.crt")
    bundle.write_text(
        (system.read_text() if system.exists() else "") + (certs / "ca.pem").read_text()
    )
    assert run_program(url, SSL_CERT_FILE=str(bundle)) == "connected"


async def test_a_client_certificate_goes_to_a_front_that_asks_for_one(tls_server, server_env):
    url, certs = tls_server
    mtls = f"https://{urlsplit(url).hostname}:{server_env['COLONYKIT_MTLS_PORT']}"
    ca = certs / "ca.pem"
    client = Client(
        mtls, ca_file=ca, client_cert=certs / "client.pem", client_key=certs / "client.key"
    )
    await client.server_version()
    assert "client certificate" in await tls_error(Client(mtls, ca_file=ca), mtls)
