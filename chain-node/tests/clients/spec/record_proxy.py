"""A relay between the client suites and a node that records every JSON-RPC exchange.

    record_proxy.py --listen PORT --upstream http://127.0.0.1:NODE_PORT --record FILE

HTTP requests of any method are passed on with their headers and answered with the node's
status, headers and body; a WebSocket upgrade opens a WebSocket to the node and relays frames
both ways. Each request that gets an answer is appended to FILE as one JSON line
`{"transport": "http"|"ws", "request": {...}, "response": {...}}` (batches split into their
calls), which check_responses.py validates against the JSON-RPC specification. Subscription
notifications have no request and are not recorded.
"""

import argparse
import asyncio
import json

from aiohttp import ClientSession, ClientTimeout, WSMsgType, web

# Hop-by-hop headers and those aiohttp recomputes for the relayed body.
DROPPED_HEADERS = {
    "host",
    "content-length",
    "transfer-encoding",
    "content-encoding",
    "connection",
    "keep-alive",
    "upgrade",
}


def parse(text):
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return None


def calls_of(message):
    """The calls in a request or the answers in a response: a batch's items, or the one object."""
    if isinstance(message, list):
        return [item for item in message if isinstance(item, dict)]
    return [message] if isinstance(message, dict) else []


class Recorder:
    def __init__(self, path):
        self.file = open(path, "a", encoding="utf-8")

    def exchange(self, transport, request, response):
        """Records the answered calls of one request/response pair, matched by id."""
        answers = {json.dumps(answer.get("id")): answer for answer in calls_of(response)}
        for call in calls_of(request):
            if "id" not in call:
                continue
            answer = answers.get(json.dumps(call.get("id")))
            if answer is not None:
                self.write(transport, call, answer)

    def write(self, transport, request, response):
        line = {"transport": transport, "request": request, "response": response}
        self.file.write(json.dumps(line) + "\n")
        self.file.flush()


def relay_headers(headers):
    return {name: value for name, value in headers.items() if name.lower() not in DROPPED_HEADERS}


async def relay_http(request, session, upstream, recorder):
    body = await request.read()
    async with session.request(
        request.method,
        upstream + request.path_qs,
        data=body,
        headers=relay_headers(request.headers),
    ) as answer:
        answer_body = await answer.read()
        if request.method == "POST":
            recorder.exchange("http", parse(body), parse(answer_body))
        return web.Response(
            status=answer.status, body=answer_body, headers=relay_headers(answer.headers)
        )


async def relay_websocket(request, session, upstream, recorder):
    client = web.WebSocketResponse(max_msg_size=0)
    await client.prepare(request)
    pending = {}
    target = upstream.replace("http", "ws", 1) + request.path_qs
    async with session.ws_connect(target, max_msg_size=0) as node:

        async def to_node():
            async for message in client:
                if message.type == WSMsgType.BINARY:
                    await node.send_bytes(message.data)
                    continue
                if message.type != WSMsgType.TEXT:
                    break
                for call in calls_of(parse(message.data)):
                    if "id" in call:
                        pending[json.dumps(call.get("id"))] = call
                await node.send_str(message.data)
            await node.close()

        async def to_client():
            async for message in node:
                if message.type == WSMsgType.BINARY:
                    await client.send_bytes(message.data)
                    continue
                if message.type != WSMsgType.TEXT:
                    break
                for answer in calls_of(parse(message.data)):
                    call = pending.pop(json.dumps(answer.get("id")), None)
                    if call is not None:
                        recorder.write("ws", call, answer)
                await client.send_str(message.data)
            await client.close()

        await asyncio.gather(to_node(), to_client(), return_exceptions=True)
    return client


def application(upstream, recorder):
    async def session_context(app):
        app["session"] = ClientSession(timeout=ClientTimeout(total=None, sock_read=None))
        yield
        await app["session"].close()

    async def handle(request):
        session = request.app["session"]
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await relay_websocket(request, session, upstream, recorder)
        return await relay_http(request, session, upstream, recorder)

    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.cleanup_ctx.append(session_context)
    app.router.add_route("*", "/{tail:.*}", handle)
    return app


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", type=int, required=True)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--record", required=True)
    arguments = parser.parse_args()
    app = application(arguments.upstream, Recorder(arguments.record))
    web.run_app(app, host="127.0.0.1", port=arguments.listen, print=None, shutdown_timeout=1)


if __name__ == "__main__":
    main()
