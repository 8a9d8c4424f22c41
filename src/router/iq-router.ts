/**
 * Finds the one handler for an IQ get/set by (type, namespace, element name) and always produces
 * the reply: the result, the StanzaError thrown, or internal-server-error (DESIGN §2.6). IQs are not
 * hooks: an IQ get/set has exactly one handler.
 */
import type { Logger } from "pino";
import type { PayloadCodec } from "../core/codec.js";
import type { IqHandler, IqRequest } from "../core/module.js";
import type { Element } from "../xml/element.js";
import { StanzaError } from "../xmpp/stanza-error.js";
import { errorReply, iqResult } from "../xmpp/stanza.js";

type Route = (payload: Element, iq: IqRequest) => Promise<Element | undefined | void> | Element | undefined | void;

export interface IqHandlerOptions {
  /**
   * "requester": the reply comes from the requester's bare JID whatever `to` said (PROTOCOL §7: custom IQs
   * may be addressed to HOST, yet replies come from the sender's bare JID). Default: the addressed entity.
   */
  readonly replyFrom?: "addressed" | "requester";
}

interface RouteEntry {
  readonly run: Route;
  readonly replyFromRequester: boolean;
}

export class IqRouter {
  readonly #routes = new Map<string, RouteEntry>();
  #frozen = false;

  constructor(private readonly log: Logger) {}

  handle<T>(type: "get" | "set", codec: PayloadCodec<T>, handler: IqHandler<T>, options: IqHandlerOptions = {}): () => void {
    if (this.#frozen) throw new Error(`IQ handler ${codec.ns} registered after start`);
    const key = routeKey(type, codec.ns, codec.name);
    if (this.#routes.has(key)) throw new Error(`two modules handle IQ ${key}`);
    this.#routes.set(key, { run: (payload, iq) => handler(codec.decode(payload), iq), replyFromRequester: options.replyFrom === "requester" });
    return () => this.#routes.delete(key);
  }

  freeze(): void {
    this.#frozen = true;
  }

  has(type: "get" | "set", ns: string, name: string): boolean {
    return this.#routes.has(routeKey(type, ns, name));
  }

  /** Returns the reply stanza for an IQ get/set. */
  async dispatch(iq: IqRequest): Promise<Element> {
    const payload = iq.stanza.firstElement();
    const route = payload === undefined ? undefined : this.#routes.get(routeKey(iq.type, payload.ns, payload.name));
    // PROTOCOL §9.6: an unknown payload namespace gets cancel / service-unavailable.
    if (payload === undefined || route === undefined) {
      return errorReply(iq.stanza, new StanzaError(payload === undefined ? "bad-request" : "service-unavailable"), iq.to.toString());
    }
    const addressed = route.replyFromRequester ? fromRequester(iq) : withTo(iq);
    try {
      const result = await route.run(payload, iq);
      return iqResult(addressed, result ?? undefined);
    } catch (error) {
      if (error instanceof StanzaError) return errorReply(addressed, error);
      this.log.error({ err: error, ns: payload.ns, name: payload.name }, "IQ handler failed");
      return errorReply(addressed, new StanzaError("internal-server-error"));
    }
  }
}

function routeKey(type: string, ns: string, name: string): string {
  return type + " " + ns + " " + name;
}

/** Replies come from the addressed entity, the account's bare JID when `to` was missing. */
function withTo(iq: IqRequest): Element {
  if (iq.stanza.attr("to") !== undefined) return iq.stanza;
  return iq.stanza.withAttrs({ to: iq.to.toString() });
}

/** The request as if addressed to the requester's bare JID, so the reply comes from there. */
function fromRequester(iq: IqRequest): Element {
  return iq.stanza.withAttrs({ to: iq.from.bareString });
}
