#!/usr/bin/env python3
"""Fake provider: python3 fake.py PORT MODE   MODE: ok | 503 | 429 | hang | midreset | sse"""
import sys, time, json, socket, struct
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
PORT, MODE = int(sys.argv[1]), sys.argv[2]
def log(s): print(f"{int(time.time()*1000)%100000} FAKE{PORT}[{MODE}] {s}", flush=True)
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_POST(self):
        n = int(self.headers.get("content-length", 0) or 0)
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                ln = int(self.rfile.readline().strip(), 16)
                if ln == 0: self.rfile.readline(); break
                body += self.rfile.read(ln); self.rfile.readline()
        else:
            body = self.rfile.read(n)
        log(f"{self.command} {self.path} headers={dict(self.headers)} body={body!r}")
        if MODE == "503" or MODE == "429":
            code = int(MODE); b = json.dumps({"error": f"fake {MODE} from {PORT}"}).encode()
            self.send_response(code); self.send_header("content-type", "application/json"); self.send_header("content-length", str(len(b)))
            if MODE == "429": self.send_header("retry-after", sys.argv[3] if len(sys.argv) > 3 else "1")
            self.end_headers(); self.wfile.write(b); return
        if MODE == "hang":
            time.sleep(float(sys.argv[3]) if len(sys.argv) > 3 else 10)
        if MODE in ("midreset", "sse"):
            self.send_response(200); self.send_header("content-type", "text/event-stream"); self.send_header("transfer-encoding", "chunked"); self.end_headers()
            for i in range(2):
                c = f"data: chunk{i} from {PORT}\n\n".encode(); self.wfile.write(b"%x\r\n%s\r\n" % (len(c), c)); self.wfile.flush(); time.sleep(0.3)
            if MODE == "midreset":
                log("RESETTING connection")
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); self.connection.close(); self.close_connection = True; return
            self.wfile.write(b"0\r\n\r\n"); return
        b = json.dumps({"port": PORT, "path": self.path, "headers": dict(self.headers), "body": body.decode(errors="replace")}).encode()
        self.send_response(200); self.send_header("content-type", "application/json"); self.send_header("content-length", str(len(b))); self.end_headers(); self.wfile.write(b)
ThreadingHTTPServer(("127.0.0.1", PORT), H).serve_forever()
