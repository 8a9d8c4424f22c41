/**
 * The stanza router (DESIGN §2.4): classifies the addressee (host, local account, local service,
 * elsewhere) and applies RFC 6121 §8.5 / PROTOCOL §9.3 delivery. It is the error boundary for routed
 * stanzas: a StanzaError thrown on the way becomes an error reply to the sender.
 */
import type { Logger } from "pino";
import type { Hooks } from "../core/hooks.js";
import type { LocalService } from "../core/local-services.js";
import type { IqRequest } from "../core/module.js";
import type { Session } from "../core/session.js";
import type { SessionDirectory } from "../core/session-directory.js";
import { inheritNamespace, type Element } from "../xml/element.js";
import { NS } from "../xmpp/namespaces.js";
import { parseJid, type Jid, JidMalformedError } from "../xmpp/jid.js";
import { StanzaError } from "../xmpp/stanza-error.js";
import { errorReply } from "../xmpp/stanza.js";
import { deliverMessage, deliverPresence } from "./delivery.js";
import { SharedStanza } from "./shared-stanza.js";
import type { IqRouter } from "./iq-router.js";

export interface RouterDeps {
  readonly hosts: ReadonlySet<string>;
  readonly sessions: SessionDirectory;
  readonly iq: IqRouter;
  readonly hooks: Hooks;
  readonly log: Logger;
  /** Whether a local account exists (cached by the accounts module). */
  readonly userExists: (user: Jid) => Promise<boolean>;
}

export class Router {
  readonly #services = new Map<string, LocalService>();

  constructor(readonly deps: RouterDeps) {}

  registerService(service: LocalService): void {
    if (this.#services.has(service.domain)) throw new Error(`two services on ${service.domain}`);
    this.#services.set(service.domain, service);
  }

  isLocalDomain(domain: string): boolean {
    return this.deps.hosts.has(domain) || this.#services.has(domain);
  }

  /** Routes a stanza whose `from` is set. `origin` is the local session that sent it, if any. */
  async route(stanza: Element, origin?: Session): Promise<void> {
    // Stanzas built by modules (`el("iq", …)`) carry no namespace yet; on the wire they are jabber:client
    // (RFC 7395 §3.3.3 requires it to be declared on every WebSocket stanza).
    if (stanza.ns === "") inheritNamespace(stanza, NS.client);
    let from: Jid | undefined;
    try {
      from = parseJid(stanza.attrs["from"] ?? "");
      const toAttr = stanza.attrs["to"];
      const to = toAttr === undefined ? from.bare() : parseJid(toAttr);
      await this.#routeTo(stanza, from, to, origin);
    } catch (error) {
      await this.#bounce(stanza, error, from);
    }
  }

  /**
   * Like route(), but a StanzaError on the way is thrown to the caller instead of bounced to `from`:
   * the admin API reports a refused groupchat as 400 with the error text (PROTOCOL §8.5 send_message).
   */
  async routeOrThrow(stanza: Element): Promise<void> {
    if (stanza.ns === "") inheritNamespace(stanza, NS.client);
    const from = parseJid(stanza.attrs["from"] ?? "");
    const toAttr = stanza.attrs["to"];
    await this.#routeTo(stanza, from, toAttr === undefined ? from.bare() : parseJid(toAttr), undefined);
  }

  async #routeTo(stanza: Element, from: Jid, to: Jid, origin: Session | undefined): Promise<void> {
    if (this.deps.hosts.has(to.domain)) {
      if (to.local === "") return this.#toHost(stanza, from, to, origin);
      return this.#toAccount(stanza, from, to, origin);
    }
    const service = this.#services.get(to.domain);
    if (service) return service.route(stanza, from, to, origin);
    // No server-to-server links: every other domain is unreachable (RFC 6120 §8.3.3.15).
    throw new StanzaError("remote-server-not-found");
  }

  async #toHost(stanza: Element, from: Jid, to: Jid, origin: Session | undefined): Promise<void> {
    if (stanza.name === "iq") return this.#dispatchIq(stanza, from, to, origin);
    if (stanza.name === "message" && to.resource !== "") {
      throw new StanzaError("service-unavailable");
    }
    // Messages and presence to the server itself have no consumer; they are dropped (RFC 6120 §10.3).
  }

  async #toAccount(stanza: Element, from: Jid, to: Jid, origin: Session | undefined): Promise<void> {
    const { sessions, hooks } = this.deps;
    switch (stanza.name) {
      case "iq": {
        if (to.resource === "") return this.#dispatchIq(stanza, from, to, origin);
        const session = sessions.get(to);
        if (session) return this.deliver(session, stanza);
        const type = stanza.attrs["type"];
        if (type === "get" || type === "set") throw new StanzaError("service-unavailable");
        return;
      }
      case "message":
        return deliverMessage(this, stanza, from, to, origin);
      case "presence": {
        const payload = { from, to, stanza };
        if ((await hooks.run("presence.inbound", payload)) === "handled") return;
        return deliverPresence(this, payload.stanza, to);
      }
      default:
        throw new StanzaError("bad-request");
    }
  }

  async #dispatchIq(stanza: Element, from: Jid, to: Jid, origin: Session | undefined): Promise<void> {
    const type = stanza.attrs["type"];
    if (type !== "get" && type !== "set") return; // results and errors addressed to the server end here
    const request: IqRequest = { stanza, id: stanza.attrs["id"] ?? "", type, from, to, session: origin };
    const reply = await this.deps.iq.dispatch(request);
    await this.route(reply);
  }

  /**
   * Delivers one stanza to many full JIDs (a room broadcast, PROTOCOL §3.7), serialising it once per
   * wire format. `stanza` must not carry `to`; each copy is addressed to its recipient. Recipients
   * without a session here are skipped (a cluster bus will forward them to their node).
   */
  async broadcast(stanza: Element, recipients: Iterable<Jid>): Promise<void> {
    const { sessions, hooks } = this.deps;
    if (stanza.ns === "") inheritNamespace(stanza, NS.client);
    const shared = new SharedStanza(stanza);
    const filtered = hooks.has("stanza.delivering");
    for (const to of recipients) {
      const session = sessions.get(to);
      if (session === undefined) continue;
      if (filtered) {
        // The hooks see the shared stanza, without `to` (HookMap "stanza.delivering"): no copy per recipient.
        const payload = { to: session, stanza };
        const verdict = hooks.runSync("stanza.delivering", payload);
        if ((typeof verdict === "string" ? verdict : await verdict) === "handled") continue;
        // Untouched by the hooks: the shared bytes still hold.
        if (payload.stanza === stanza && session.deliverShared) session.deliverShared(shared);
        else session.deliver(payload.stanza === stanza ? shared.elementFor(to.toString()) : withRecipient(payload.stanza, to));
      } else if (session.deliverShared) {
        session.deliverShared(shared);
      } else {
        session.deliver(shared.elementFor(to.toString()));
      }
    }
  }

  /** Hands a stanza to one local session, after the `stanza.delivering` hooks. */
  async deliver(session: Session, stanza: Element): Promise<void> {
    const hooks = this.deps.hooks;
    if (hooks.has("stanza.delivering")) {
      const payload = { to: session, stanza };
      if ((await hooks.run("stanza.delivering", payload)) === "handled") return;
      session.deliver(payload.stanza);
      return;
    }
    session.deliver(stanza);
  }

  async #bounce(stanza: Element, error: unknown, from: Jid | undefined): Promise<void> {
    // Never answer an error with an error (RFC 6120 §8.3.1), nor a result.
    const type = stanza.attrs["type"];
    if (type === "error" || (stanza.name === "iq" && type === "result")) return;
    if (from === undefined) return;
    let stanzaError: StanzaError;
    if (error instanceof StanzaError) stanzaError = error;
    else if (error instanceof JidMalformedError) stanzaError = new StanzaError("jid-malformed");
    else {
      this.deps.log.error({ err: error }, "routing failed");
      stanzaError = new StanzaError("internal-server-error");
    }
    const reply = errorReply(stanza, stanzaError);
    if (reply.attrs["from"] === undefined) reply.attrs["from"] = from.bare().domain;
    try {
      await this.route(reply);
    } catch (e) {
      this.deps.log.warn({ err: e }, "could not deliver a bounce");
    }
  }
}

/** A hook's replacement of a broadcast copy, addressed to its recipient when the hook left `to` out. */
function withRecipient(stanza: Element, to: Jid): Element {
  return stanza.attrs["to"] === undefined ? stanza.withAttrs({ to: to.toString() }) : stanza;
}
