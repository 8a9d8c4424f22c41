/**
 * A minimal BOSH client (XEP-0124/XEP-0206) over real HTTP for the `/bosh` tests: it posts `<body/>`
 * wrappers with increasing rids and returns each response's text. No library of ours is involved on
 * the client side: requests are strings and responses are matched as text.
 */
import { request as httpRequest } from "node:http";

export const HTTPBIND = "http://jabber.org/protocol/httpbind";

export interface BoshReply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

export function boshPost(port: number, body: string, options: { method?: string; path?: string } = {}): Promise<BoshReply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: "127.0.0.1", port, path: options.path ?? "/bosh", method: options.method ?? "POST", headers: { "content-type": "text/xml; charset=utf-8" } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

export class BoshClient {
  sid = "";
  rid = 1000 + Math.floor(Math.random() * 1000);
  /** Every response body received, in order. */
  readonly responses: string[] = [];

  constructor(
    readonly port: number,
    readonly domain = "localhost",
  ) {}

  /** Session creation (XEP-0206 §5); resolves with the creation response. */
  async create(attrs = `wait="2" hold="1"`): Promise<string> {
    const reply = await boshPost(
      this.port,
      `<body xmlns="${HTTPBIND}" xmlns:xmpp="urn:xmpp:xbosh" content="text/xml; charset=utf-8" rid="${this.rid++}" to="${this.domain}" ver="1.6" ${attrs} xml:lang="en" xmpp:version="1.0"/>`,
    );
    this.responses.push(reply.body);
    this.sid = /\ssid="([^"]+)"/.exec(reply.body)?.[1] ?? "";
    return reply.body;
  }

  /** One request with the given payload (or extra attributes); resolves when the server answers it. */
  async send(payload = "", extraAttrs = ""): Promise<string> {
    const reply = await this.sendRaw(this.rid++, payload, extraAttrs);
    return reply.body;
  }

  async sendRaw(rid: number, payload = "", extraAttrs = ""): Promise<BoshReply> {
    const body = `<body xmlns="${HTTPBIND}" xmlns:xmpp="urn:xmpp:xbosh" rid="${rid}" sid="${this.sid}"${extraAttrs === "" ? "" : " " + extraAttrs}>${payload}</body>`;
    const reply = await boshPost(this.port, body);
    this.responses.push(reply.body);
    return reply;
  }

  /** Polls (empty requests) until some response matches; the server holds each poll up to `wait`. */
  async until(pattern: RegExp, attempts = 10): Promise<string> {
    for (let i = 0; i < attempts; i++) {
      const seen = this.responses.find((r) => pattern.test(r));
      if (seen !== undefined) return seen;
      await this.send();
    }
    throw new Error(`no BOSH response matched ${pattern}; got:\n${this.responses.join("\n")}`);
  }

  /** PLAIN login, restart, bind and session; resolves with the bound full JID. */
  async login(user: string, password = "secret", resource = "bosh"): Promise<string> {
    await this.create();
    await this.until(/<mechanism>PLAIN<\/mechanism>/);
    const auth = Buffer.from(`\0${user}\0${password}`).toString("base64");
    await this.send(`<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="PLAIN">${auth}</auth>`);
    await this.until(/<success xmlns="urn:ietf:params:xml:ns:xmpp-sasl"/);
    await this.send("", `xmpp:restart="true" to="${this.domain}" xml:lang="en"`);
    await this.until(/urn:ietf:params:xml:ns:xmpp-bind/);
    await this.send(`<iq xmlns="jabber:client" type="set" id="bind1"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"><resource>${resource}</resource></bind></iq>`);
    const bound = await this.until(/<jid>[^<]+<\/jid>/);
    return /<jid>([^<]+)<\/jid>/.exec(bound)?.[1] ?? "";
  }
}
