"""A fast local webhook receiver for bench/interop: answers 200 to every POST and, once it
has seen EXPECTED requests, prints how many arrived and over how long, then exits.
usage: webhook-receiver.py PORT EXPECTED"""
import asyncio, sys, time

port, expected = int(sys.argv[1]), int(sys.argv[2])
seen = 0
first = last = None
done = asyncio.Event()

async def handle(reader, writer):
    global seen, first, last
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if length:
                await reader.readexactly(length)
            now = time.time()
            first = first or now
            last = now
            seen += 1
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
            await writer.drain()
            if seen >= expected:
                done.set()
    except (asyncio.IncompleteReadError, ConnectionResetError):
        pass
    finally:
        writer.close()

async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
    async with server:
        await done.wait()
    span = (last - first) if last and first else 0
    print(f"{seen} {span:.3f}", flush=True)

asyncio.run(main())
