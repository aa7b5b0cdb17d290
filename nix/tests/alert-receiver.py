"""An apprise json:// receiver for the NixOS VM test: every POST body becomes one line of a file.

Usage: alert-receiver.py HOST PORT FILE   (port 0: any free port; the first line
printed says which)
"""

import http.server
import json
import sys
from pathlib import Path


def main() -> None:
    host, port, out = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])

    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # the name http.server calls
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            record = {"path": self.path, "body": body.decode("utf-8", "replace")}
            with out.open("a", encoding="utf-8") as file:
                file.write(json.dumps(record) + "\n")
            self.send_response(200)
            self.end_headers()

    server = http.server.HTTPServer((host, port), Receiver)
    print(f"listening on {host}:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
