/**
 * A byte-level HTTP client for admin API tests: any method, path and headers (including Host and
 * forwarding headers, which fetch() will not send as given), bodies sent whole or chunked.
 */
import http from "node:http";

export interface HttpReply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
  /** The body parsed as JSON; the raw text when it is not JSON. */
  readonly body: unknown;
}

export interface HttpRequestOptions {
  readonly method?: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  /** Sent with Content-Length unless `chunked`. */
  readonly body?: string | Buffer;
  /** Sends the body with Transfer-Encoding: chunked, in pieces of this many bytes. */
  readonly chunked?: number;
}

export function httpRequest(port: number, options: HttpRequestOptions): Promise<HttpReply> {
  const body = options.body === undefined ? undefined : Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body);
  const headers: Record<string, string> = { ...options.headers };
  if (body !== undefined && options.chunked === undefined) headers["content-length"] ??= String(body.length);
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request({ host: "127.0.0.1", port, method: options.method ?? "POST", path: options.path, headers, agent: false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let parsed: unknown = text;
        try {
          parsed = text === "" ? "" : JSON.parse(text);
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parsed });
      });
    });
    // The server may answer (413, 401) and close before the whole body is written: that is expected.
    req.on("error", (error) => {
      if (!answered) reject(error);
    });
    if (body === undefined) return void req.end();
    if (options.chunked === undefined) return void req.end(body);
    for (let i = 0; i < body.length; i += options.chunked) req.write(body.subarray(i, i + options.chunked));
    req.end();
  });
}

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
}
