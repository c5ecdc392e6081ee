#!/usr/bin/env python3
"""A static file server on 127.0.0.1 whose responses share one bandwidth limit (a registry
throttle for the benchmarks; `tc` on loopback would slow everything else too).
   throttled_server.py DIR PORT BYTES_PER_SECOND(0 = unlimited)"""
import functools, http.server, sys, threading, time

class Bucket:
    """One token bucket for all connections: the link, not each download, is limited."""
    def __init__(self, rate):
        self.rate, self.lock, self.next = rate, threading.Lock(), time.monotonic()
    def take(self, n):
        if self.rate <= 0:
            return
        with self.lock:
            now = time.monotonic()
            self.next = max(self.next, now) + n / self.rate
            wait = self.next - now
        if wait > 0:
            time.sleep(wait)

class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive, as the registry does (files are sent with Content-Length)
    def log_message(self, *a):
        pass
    def copyfile(self, src, dst):
        while True:
            buf = src.read(16384)
            if not buf:
                return
            self.server.bucket.take(len(buf))
            dst.write(buf)

class Server(http.server.ThreadingHTTPServer):
    # socketserver's default listen backlog is 5: a client opening 8-10 connections at once (the
    # fetcher's phase 1) has SYNs dropped and waits a 1 s retransmit; a real registry (Netty) takes 1024
    request_queue_size = 1024
    daemon_threads = True

server = Server(("127.0.0.1", int(sys.argv[2])), functools.partial(Handler, directory=sys.argv[1]))
server.bucket = Bucket(float(sys.argv[3]))
server.serve_forever()
