#!/usr/bin/env python3
"""Misbehaving servers for the grab pool's tests, one behaviour per port, on 0.0.0.0.
Every behaviour is bounded in time (LIFETIME s per connection).
  9000 SSH greeting, then silence       9001 accept, never answer
  9002 one byte a second                9003 10 MB, then close
  9004 binary junk, then silence        9005 close immediately
  9006 accept, then RST                 2222 binary junk (a port with the SSH module)
  443  TLS (cert in argv[1], key in argv[2]) then an HTTP answer
  9011 answers with the peer's address (to check the source address)
usage: hostile.py CERT KEY"""
import socket, ssl, struct, sys, threading, time

LIFETIME = 60
JUNK = bytes([0x00, 0xff, 0x13, 0x37, 0x80, 0x01, 0xfe, 0x7f, 0x00, 0x1b])


def hold(c):
    c.settimeout(LIFETIME)
    try:
        while c.recv(4096):
            pass
    except OSError:
        pass


def handle(port, c, addr, tls_ctx):
    try:
        if port == 9000:
            c.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n")
            hold(c)
        elif port == 9001:
            hold(c)
        elif port == 9002:
            end = time.time() + LIFETIME
            while time.time() < end:
                c.sendall(b"x")
                time.sleep(1)
        elif port == 9003:
            chunk = b"A" * 65536
            for _ in range(160):  # 10 MiB
                c.sendall(chunk)
        elif port in (9004, 2222):
            c.sendall(JUNK)
            hold(c)
        elif port == 9005:
            pass
        elif port == 9006:
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif port == 9011:
            c.sendall(("peer %s\r\n" % addr[0]).encode())
            hold(c)
        elif port == 443:
            s = tls_ctx.wrap_socket(c, server_side=True)
            s.settimeout(10)
            data = b""
            while b"\r\n\r\n" not in data:
                d = s.recv(4096)
                if not d:
                    break
                data += d
            body = b"<html><title>tls ok</title></html>"
            s.sendall(b"HTTP/1.1 200 OK\r\nServer: orbit-tls/1.0\r\nContent-Length: %d\r\n"
                      b"Connection: close\r\n\r\n%s" % (len(body), body))
            s.close()
            return
    except OSError:
        pass
    finally:
        try:
            c.close()
        except OSError:
            pass


def serve(port, tls_ctx):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port))
    ls.listen(1024)
    while True:
        c, addr = ls.accept()
        threading.Thread(target=handle, args=(port, c, addr, tls_ctx), daemon=True).start()


def main():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[1], sys.argv[2])
    for port in (9000, 9001, 9002, 9003, 9004, 9005, 9006, 2222, 443, 9011):
        threading.Thread(target=serve, args=(port, ctx), daemon=True).start()
    print("ready", flush=True)
    time.sleep(int(sys.argv[3]) if len(sys.argv) > 3 else 600)


main()
