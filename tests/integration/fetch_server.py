#!/usr/bin/env python3
"""A loopback HTTP file server for the fetch tests.

Serves DIR as a static web server does (200, Content-Length, the bytes; 404
for what is not there) and, for the failure cases, answers as real servers
were seen to:
  /redirect/P  302 Found with Location: /P (artifact stores and CDNs)
  /elsewhere/HOST:PORT/P  302 Found with Location: http://HOST:PORT/P
  /truncate/P  the whole file's Content-Length, then half its bytes, then
               the connection closed (a server or proxy dying mid-transfer)
  /stall/P     200 and headers, then nothing until the client hangs up
Each request's path is appended to LOG (one line, before the answer), so a
test can count requests. Binds 127.0.0.1 (FETCH_SERVER_BIND when set) on a free port and writes the port
to PORT_FILE once it listens. With CERT and KEY it speaks https.

usage: fetch_server.py DIR PORT_FILE LOG [CERT KEY]
"""
import http.server
import os
import ssl
import sys

root, port_file, log = sys.argv[1:4]


class Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=root, **kwargs)

    def log_message(self, *args):
        pass  # the request log below is the record

    def do_GET(self):
        with open(log, "a") as out:
            out.write(self.path + "\n")
        for prefix, answer in (("/redirect/", self.redirect), ("/truncate/", self.truncate),
                               ("/stall/", self.stall), ("/elsewhere/", self.elsewhere)):
            if self.path.startswith(prefix):
                return answer(self.path[len(prefix) - 1:])
        return super().do_GET()

    def redirect(self, path):
        self.send_response(302)
        self.send_header("Location", path)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def elsewhere(self, path):
        self.redirect("http:/" + path)

    def truncate(self, path):
        with open(os.path.join(root, path.lstrip("/")), "rb") as f:
            data = f.read()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        self.close_connection = True

    def stall(self, path):
        self.send_response(200)
        self.send_header("Content-Length", "1000000")
        self.end_headers()
        self.wfile.flush()
        self.rfile.read()  # returns when the client closes the connection


server = http.server.ThreadingHTTPServer((os.environ.get("FETCH_SERVER_BIND", "127.0.0.1"), 0), Handler)
server.daemon_threads = True
if len(sys.argv) > 5:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[4], sys.argv[5])
    server.socket = context.wrap_socket(server.socket, server_side=True)
with open(port_file + ".tmp", "w") as out:
    out.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
