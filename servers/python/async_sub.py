"""A subscriber for asyncio servers: the core puts frames in its queue, one writer coroutine per
connection drains it to the transport. The queue-per-client pattern the write-up's async servers use."""

import asyncio


class AsyncSub:
    __slots__ = ("queue",)

    def __init__(self):
        self.queue = asyncio.Queue()

    def write(self, item):
        self.queue.put_nowait(item)

    def close(self):
        from pushcore import CLOSE

        self.queue.put_nowait(CLOSE)
