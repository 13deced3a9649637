"""Resume and several gateway instances: frames reach the instance holding the socket, and a
client that loses its socket (or its whole instance) mid-answer resumes without loss."""

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.e2e.conftest import Stack
from tests.support.client import ChatSession, FrameReader, chat_turn, connect, create_session
from tests.support.servers import ServiceProcess, wait_ready

pytestmark = pytest.mark.e2e
QUESTION = "How do I report a lost card and what are the fees for a replacement?"


@pytest.fixture(scope="module")
async def second_gateway(stack: Stack) -> AsyncIterator[ServiceProcess]:
    """Another gateway instance next to the stack's."""
    process = stack.start("gateway")
    try:
        await wait_ready(process.base_url, timeout=90)
        yield process
    finally:
        process.terminate()


def on_gateway(session: ChatSession, base_url: str) -> ChatSession:
    """The same session, connecting through a given gateway instance."""
    stream = f"{base_url.replace('http', 'ws', 1)}/v1/sessions/{session.session_id}/stream"
    return ChatSession(session.session_id, session.token, stream)


async def until_first_delta(reader: FrameReader, text: str) -> int:
    """Send a message and read up to the answer's first piece; return the last `seq` seen."""
    await reader.send({"type": "user_message", "client_message_id": "m-cut", "text": text})
    frame = await reader.until("answer_delta")
    return int(frame["seq"])


async def rest_of_turn(session: ChatSession, last_seq: int) -> list[dict[str, Any]]:
    """Reconnect, resume after `last_seq` and read through `answer_completed`."""
    async with connect(session) as ws:
        reader = FrameReader(ws)
        await reader.send({"type": "resume", "last_seq": last_seq})
        await reader.until("answer_completed", timeout=30)
        await reader.send({"type": "ping"})
        pong = await reader.until("pong")
    assert pong["seq"] == reader.frames[-2]["seq"], "nothing after answer_completed was missed"
    return reader.frames[:-1]


def assert_whole_turn(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> None:
    """Frames before and after the cut form one gap-free, duplicate-free turn."""
    seqs = [f["seq"] for f in before + after]
    assert seqs == list(range(1, len(seqs) + 1)), seqs
    completed = after[-1]
    assert completed["type"] == "answer_completed"
    deltas = "".join(f["text"] for f in before + after if f["type"] == "answer_delta")
    assert deltas == completed["text"]
    assert {f["turn_id"] for f in before + after if "turn_id" in f} == {completed["turn_id"]}


async def test_resume_after_a_disconnect_mid_answer_yields_the_rest_once_in_order(
    stack: Stack,
) -> None:
    session = await create_session(stack.gateway_url)
    async with connect(session) as ws:
        reader = FrameReader(ws)
        last_seq = await until_first_delta(reader, QUESTION)
    after = await rest_of_turn(session, last_seq)
    assert_whole_turn(reader.frames, after)


async def test_a_resume_from_zero_replays_the_whole_session_then_live_frames(
    stack: Stack,
) -> None:
    session = await create_session(stack.gateway_url)
    async with connect(session) as ws:
        first = FrameReader(ws)
        await chat_turn(first, QUESTION, "m-1")
    async with connect(session) as ws:
        again = FrameReader(ws)
        await again.send({"type": "resume", "last_seq": 0})
        replayed = [await again.next() for _ in first.frames]
        assert replayed == first.frames
        live = await chat_turn(again, "and the fees?", "m-2")
    assert live["seq"] == again.frames[-1]["seq"]
    seqs = [f["seq"] for f in again.frames]
    assert seqs == list(range(1, len(seqs) + 1))


async def test_each_instance_delivers_only_its_own_sessions_frames(
    stack: Stack, second_gateway: ServiceProcess
) -> None:
    here = await create_session(stack.gateway_url)
    there = on_gateway(await create_session(stack.gateway_url), second_gateway.base_url)
    async with connect(here) as ws_here, connect(there) as ws_there:
        readers = {"here": FrameReader(ws_here), "there": FrameReader(ws_there)}
        for round_ in range(3):
            for name, reader in readers.items():
                message_id = f"{name}-{round_}"
                await reader.send(
                    {"type": "user_message", "client_message_id": message_id, "text": QUESTION}
                )
            for reader in readers.values():
                await reader.until("answer_completed", timeout=30)
    for name, reader in readers.items():
        acks = {f["turn_id"] for f in reader.frames if f["type"] == "ack"}
        assert len(acks) == 3
        assert {f["turn_id"] for f in reader.frames if "turn_id" in f} == acks, name
        seqs = [f["seq"] for f in reader.frames]
        assert seqs == list(range(1, len(seqs) + 1)), name


async def test_killing_an_instance_mid_answer_loses_nothing_on_the_other(stack: Stack) -> None:
    doomed = stack.start("gateway")
    try:
        await wait_ready(doomed.base_url, timeout=90)
        session = await create_session(stack.gateway_url)
        async with connect(on_gateway(session, doomed.base_url)) as ws:
            reader = FrameReader(ws)
            last_seq = await until_first_delta(reader, QUESTION)
            doomed.kill()
    finally:
        doomed.kill()
    after = await rest_of_turn(session, last_seq)
    assert_whole_turn(reader.frames, after)
