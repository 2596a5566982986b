"""Bad input from Python: wrong types, bad values, unreachable servers, missing rights; and no
private key in any error or repr."""

from __future__ import annotations

import asyncio
import math

import colonykit
import pytest
from colonykit import Client, FunctionSpec


def key_texts(*keys: str) -> list[str]:
    return [form for key in keys for form in (key, key.lower(), key.upper())]


def assert_no_key(error: BaseException, *keys: str) -> None:
    texts = [str(error), repr(error), *map(str, error.args)]
    if isinstance(error, colonykit.ColonyError):
        texts.append(error.message)
    for text in texts:
        for key in key_texts(*keys):
            assert key not in text, f"a private key leaked into {text!r}"


# --- Keys -----------------------------------------------------------------------------------


def test_generate_key_and_key_id():
    key = colonykit.generate_key()
    assert len(key) == 64 and int(key, 16) >= 0
    assert colonykit.generate_key() != key
    key_id = colonykit.key_id(key)
    assert len(key_id) == 64 and key_id != key
    assert colonykit.key_id(key.upper()) == key_id
    # Test vector from the reference (§3.7).
    assert (
        colonykit.key_id("fcc79953d8a751bf41db661592dc34d30004b1a651ffa0725b03ac227641499d")
        == "039231c7644e04b6895471dd5335cf332681c54e27f81fac54f9067b3f2c0103"
    )


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "abc",
        "0" * 63,
        "0" * 65,
        "zz" * 32,
        "0" * 64,  # zero is not a valid secp256k1 key
        "f" * 64,  # ≥ n
        colonykit.generate_key()[:-1] + "g",
    ],
)
def test_invalid_private_keys(bad):
    for call in (
        lambda: Client("http://127.0.0.1:50080", bad),
        lambda: Client("http://127.0.0.1:50080").with_key(bad),
        lambda: colonykit.key_id(bad),
    ):
        with pytest.raises(colonykit.InvalidArgumentError) as caught:
            call()
        assert isinstance(caught.value, ValueError)
        assert caught.value.kind == "InvalidArgument" and caught.value.status is None
        assert "private key" in caught.value.message
        if len(bad) >= 8:
            assert bad not in str(caught.value) and bad not in repr(caught.value)


@pytest.mark.parametrize("bad", [None, 123, b"0" * 64, ["k"]])
def test_keys_of_the_wrong_type(bad):
    with pytest.raises(TypeError):
        Client("http://127.0.0.1:50080").with_key(bad)
    with pytest.raises(TypeError):
        colonykit.key_id(bad)
    if bad is not None:  # None means "no key" in the constructor
        with pytest.raises(TypeError):
            Client("http://127.0.0.1:50080", bad)


async def test_calls_without_a_key(colony):
    client = Client(colony.server_url)
    with pytest.raises(colonykit.InvalidArgumentError, match="no private key"):
        await client.get_colony(colony.colonyname)
    with pytest.raises(colonykit.InvalidArgumentError, match="no private key"):
        client.subscribe_channel("p", "c")


# --- Server addresses -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad", ["", "localhost:50080", "ftp://x", "http://", "http://u:p@h:1", "not a url"]
)
def test_malformed_server_address(bad):
    with pytest.raises(colonykit.InvalidArgumentError, match="malformed server address"):
        Client(bad, colonykit.generate_key())


def test_server_of_the_wrong_type():
    with pytest.raises(TypeError):
        Client(50080)  # type: ignore[arg-type]


async def test_unreachable_server():
    key = colonykit.generate_key()
    client = Client("http://127.0.0.1:9", key, timeout=5)  # nothing listens on port 9
    with pytest.raises(colonykit.ConnectionError) as caught:
        await client.get_colony("dev")
    assert isinstance(caught.value, ConnectionError)  # also the builtin
    assert caught.value.kind == "Connection" and "127.0.0.1:9" in caught.value.message
    assert_no_key(caught.value, key)
    with pytest.raises(colonykit.ConnectionError):
        async for _ in client.subscribe_channel("p", "c"):
            pass


def test_timeouts_are_checked():
    for bad in (-1.0, math.nan, math.inf, 0):
        with pytest.raises(colonykit.InvalidArgumentError):
            Client("http://127.0.0.1:50080", timeout=bad)
    with pytest.raises(TypeError):
        Client("http://127.0.0.1:50080", timeout="soon")  # type: ignore[arg-type]


async def test_bad_timeouts_in_calls(colony):
    with pytest.raises(colonykit.InvalidArgumentError):
        await colony.executor.assign(colony.colonyname, -1)
    with pytest.raises(colonykit.InvalidArgumentError):
        await colony.executor.assign(colony.colonyname, 0)
    with pytest.raises(colonykit.InvalidArgumentError):
        await colony.user.wait_for_state("p", "running", timeout=math.nan)
    with pytest.raises(colonykit.InvalidArgumentError):
        colony.user.subscribe_channel("p", "c", idle_timeout=0)


# --- The server says no ---------------------------------------------------------------------


async def test_unknown_process_id(colony):
    unknown = "0" * 64
    with pytest.raises(colonykit.NotFoundError) as caught:
        await colony.user.get_process(unknown)
    assert caught.value.status == 404 and caught.value.kind == "NotFound"
    with pytest.raises(colonykit.NotFoundError):
        await colony.user.append(unknown, "c", 1, "x")


async def test_append_to_an_undeclared_channel(colony):
    process = await colony.running("declared")
    with pytest.raises(colonykit.NotFoundError) as caught:
        await colony.executor.append(process.processid, "undeclared", 1, "x")
    assert caught.value.status == 404


async def test_caller_who_is_not_a_member(colony):
    stranger_key = colonykit.generate_key()
    stranger = colony.user.with_key(stranger_key)
    with pytest.raises(colonykit.UnauthorizedError) as caught:
        await stranger.get_colony(colony.colonyname)
    assert caught.value.status in (401, 403)
    assert_no_key(caught.value, stranger_key, colony.user_key, colony.server_key)
    with pytest.raises(colonykit.UnauthorizedError):
        await stranger.submit(colony.spec())


async def test_maxexectime_zero_is_refused(colony):
    with pytest.raises(colonykit.InvalidArgumentError, match="maxexectime"):
        await colony.user.submit(colony.spec(maxexectime=0))


async def test_conflict(colony):
    with pytest.raises(colonykit.ColonyError) as caught:
        await colony.admin.add_colony(colonykit.key_id(colony.colony_key), colony.colonyname)
    assert caught.value.status is not None


# --- Wrong Python types and values ----------------------------------------------------------


async def test_payload_types(colony):
    process = await colony.running("c")
    for bad in (42, 1.5, None, ["x"], {"a": 1}, object()):
        with pytest.raises(TypeError, match="payload must be bytes or str"):
            await colony.executor.append(process.processid, "c", 1, bad)
    with pytest.raises(TypeError):
        await colony.executor.append(process.processid, "c", "one", b"x")  # type: ignore[arg-type]


async def test_json_values(colony):
    process = await colony.running()
    cyclic: list = []
    cyclic.append(cyclic)
    cases = [
        ("not a list", TypeError),
        ([object()], TypeError),
        ([{1: "int key"}], TypeError),
        ([math.nan], colonykit.InvalidArgumentError),
        ([2**70], colonykit.InvalidArgumentError),
        ([cyclic], colonykit.InvalidArgumentError),
        ([{1, 2}], TypeError),
        ([b"bytes"], TypeError),
    ]
    for output, error in cases:
        with pytest.raises(error):
            await colony.executor.set_output(process.processid, output)
    with pytest.raises(TypeError):
        await colony.executor.fail(process.processid, "not a list")
    with pytest.raises(TypeError):
        await colony.executor.fail(process.processid, [1, 2])
    # 64-bit integers are sent as they are (the server keeps numbers as float64).
    await colony.executor.set_output(process.processid, [2**64 - 1, -(2**63)])
    await colony.executor.set_output(process.processid, [2**53, -(2**53), 0.5])
    got = await colony.user.get_process(process.processid)
    assert got.output == [2**53, -(2**53), 0.5]


def test_spec_types():
    with pytest.raises(TypeError):
        FunctionSpec("f", executortype="t", colonyname="c", channels="progress")
    with pytest.raises(TypeError):
        FunctionSpec("f", executortype="t", colonyname="c", args={"a": 1})
    with pytest.raises(TypeError):
        FunctionSpec("f", executortype="t", colonyname="c", kwargs=[1])
    with pytest.raises(TypeError):
        FunctionSpec("f", executortype="t", colonyname="c", env={"A": 1})
    with pytest.raises(TypeError):
        FunctionSpec("f")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        FunctionSpec("f", executortype="t", colonyname="c", maxexectime="1")  # type: ignore


async def test_states(colony):
    for bad in ("runing", "", 7, -1):
        with pytest.raises(colonykit.InvalidArgumentError):
            await colony.user.get_processes(colony.colonyname, bad)
    for bad in (None, 1.0, True):
        with pytest.raises(TypeError):
            await colony.user.get_processes(colony.colonyname, bad)
    for good in ("Waiting", " RUNNING ", colonykit.ProcessState.SUCCESS, 3, "cancelled"):
        assert await colony.user.get_processes(colony.colonyname, good) == []


async def test_negative_counts_and_positions(colony):
    process = await colony.running("c")
    with pytest.raises(colonykit.InvalidArgumentError, match="count"):
        await colony.user.get_processes(colony.colonyname, "waiting", count=-1)
    with pytest.raises(colonykit.InvalidArgumentError, match="after"):
        await colony.user.read_channel(process.processid, "c", after=-1)
    with pytest.raises(colonykit.InvalidArgumentError, match="limit"):
        await colony.user.read_channel(process.processid, "c", limit=2**40)
    with pytest.raises(colonykit.InvalidArgumentError, match="after"):
        colony.user.subscribe_channel(process.processid, "c", after=-5)
    with pytest.raises(colonykit.InvalidArgumentError, match="max_in_flight"):
        await colony.executor.channel_writer(process.processid, "c", max_in_flight=-1)
    with pytest.raises(TypeError):
        await colony.user.read_channel(process.processid, "c", after="1")  # type: ignore


async def test_submit_needs_a_spec(colony):
    with pytest.raises(TypeError):
        await colony.user.submit({"funcname": "f"})  # type: ignore[arg-type]


# --- Panics --------------------------------------------------------------------------------


async def test_panics_become_colony_errors():
    from colonykit import _native

    with pytest.raises(colonykit.ColonyError) as caught:
        _native._panic(False)
    assert caught.value.kind == "Internal" and "test panic" in caught.value.message
    with pytest.raises(colonykit.ColonyError) as caught:
        await _native._panic(True)
    assert caught.value.kind == "Internal"
    assert type(caught.value) is colonykit.ColonyError


# --- Secrets --------------------------------------------------------------------------------


async def test_no_private_key_in_reprs_or_errors(colony):
    keys = (colony.server_key, colony.colony_key, colony.executor_key, colony.user_key)
    for client in (colony.admin, colony.owner, colony.executor, colony.user):
        for text in (repr(client), str(client)):
            for key in key_texts(*keys):
                assert key not in text
    errors: list[BaseException] = []
    calls = [
        colony.user.get_process("0" * 64),
        colony.user.with_key(colonykit.generate_key()).get_colony(colony.colonyname),
        colony.executor.append("0" * 64, "c", 1, "x"),
        colony.user.remove_colony(colony.colonyname),
        colony.user.wait_for_state("0" * 64, "running", timeout=1),
    ]
    for call in calls:
        try:
            await call
        except colonykit.ColonyError as error:
            errors.append(error)
    assert len(errors) == len(calls)
    for error in errors:
        assert_no_key(error, *keys)
    try:
        Client(colony.server_url, colony.user_key[:-2] + "zz")
    except colonykit.InvalidArgumentError as error:
        assert_no_key(error, colony.user_key, colony.user_key[:-2] + "zz")


def test_exceptions_are_importable_and_shaped():
    classes = {
        "InvalidArgument": colonykit.InvalidArgumentError,
        "NotFound": colonykit.NotFoundError,
        "Unauthorized": colonykit.UnauthorizedError,
        "InvalidRequest": colonykit.InvalidRequestError,
        "Conflict": colonykit.ConflictError,
        "RateLimited": colonykit.RateLimitedError,
        "Timeout": colonykit.TimeoutError,
        "Connection": colonykit.ConnectionError,
        "Protocol": colonykit.ProtocolError,
        "Server": colonykit.ServerError,
        "ProcessClosed": colonykit.ProcessClosedError,
        "Tls": colonykit.TlsError,
        "OutcomeUnknown": colonykit.OutcomeUnknownError,
        "ChannelLost": colonykit.ChannelLostError,
    }
    for kind, cls in classes.items():
        assert issubclass(cls, colonykit.ColonyError) and cls.kind == kind
        error = cls("what happened", kind, 500)
        assert (error.kind, error.status, error.message) == (kind, 500, "what happened")
        assert str(error) == "what happened (HTTP 500)"
        assert cls.__module__ == "colonykit"
    assert issubclass(colonykit.InvalidArgumentError, ValueError)
    assert issubclass(colonykit.TimeoutError, TimeoutError)
    assert issubclass(colonykit.ConnectionError, ConnectionError)
    assert issubclass(colonykit.TlsError, ConnectionError)
    assert issubclass(colonykit.OutcomeUnknownError, ConnectionError)
    assert issubclass(colonykit.ChannelLostError, ConnectionError)
    assert str(colonykit.NotFoundError("gone")) == "gone"


def test_a_cluster_client_takes_every_node():
    nodes = ["http://127.0.0.1:50100", "http://127.0.0.1:50101"]
    for cls in (Client, colonykit.SyncClient):
        client = cls(nodes)
        assert client.servers == [f"{node}/api" for node in nodes]
        assert client.server == "http://127.0.0.1:50100/api"
        assert cls(tuple(nodes)).servers == client.servers
    with pytest.raises(colonykit.InvalidArgumentError, match="given twice"):
        Client([nodes[0], nodes[0]])
    with pytest.raises(colonykit.InvalidArgumentError, match="no server address"):
        Client([])
    with pytest.raises(TypeError, match="a list of them"):
        Client([nodes[0], 7])


async def test_max_in_flight_and_reconnect_deadline():
    with pytest.raises(colonykit.InvalidArgumentError):
        Client("http://127.0.0.1:50080", max_in_flight=0)
    with pytest.raises(colonykit.InvalidArgumentError):
        Client("http://127.0.0.1:50080", max_in_flight=-1)
    # Nothing listens on port 9: the stream gives up after its reconnect_deadline, not after
    # the client's (longer) timeout.
    client = Client("http://127.0.0.1:9", colonykit.generate_key(), timeout=60, max_in_flight=4)
    with pytest.raises(colonykit.ConnectionError):
        async with asyncio.timeout(15):
            async for _ in client.subscribe_channel("p", "c", reconnect_deadline=1):
                pass
    with pytest.raises(colonykit.InvalidArgumentError):
        client.subscribe_channel("p", "c", reconnect_deadline=-1)
