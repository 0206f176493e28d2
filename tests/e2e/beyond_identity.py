#!/usr/bin/env python3
"""A tiny HTTP and SSH listener for tests/e2e/beyond_tests.sh: records what a scanner's
banner grab sends (the HTTP request's User-Agent, the SSH client's identification line)
into OUT as JSON lines, answers like a real server would enough for a grab to finish.
   beyond_identity.py ADDR OUT   (runs until killed; prints 'listening' when ready)"""
import asyncio
import json
import sys

addr, out = sys.argv[1], sys.argv[2]


def record(kind, text):
    with open(out, 'a') as f:
        f.write(json.dumps({'kind': kind, 'text': text}) + '\n')


async def http(reader, writer):
    data = await reader.read(8192)
    for line in data.decode('latin-1').split('\r\n'):
        if line.lower().startswith('user-agent:'):
            record('http', line.split(':', 1)[1].strip())
    writer.write(b'HTTP/1.1 200 OK\r\nServer: test\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
    await writer.drain()
    writer.close()


async def ssh(reader, writer):
    writer.write(b'SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n')
    await writer.drain()
    try:
        line = await asyncio.wait_for(reader.readline(), 5)
        record('ssh', line.decode('latin-1').rstrip('\r\n'))
    except asyncio.TimeoutError:
        pass
    writer.close()


async def main():
    await asyncio.start_server(http, addr, 80)
    await asyncio.start_server(ssh, addr, 22)
    print('listening', flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
