// Minimal typings for the parts of xmpp.js (@xmpp/client 0.14, untyped) the tests use.
declare module "@xmpp/xml" {
  export class Element {
    name: string;
    attrs: Record<string, string>;
    children: (Element | string)[];
    is(name: string, xmlns?: string): boolean;
    getChild(name: string, xmlns?: string): Element | undefined;
    getChildren(name: string, xmlns?: string): Element[];
    getChildText(name: string, xmlns?: string): string | null;
    getChildElements(): Element[];
    getText(): string;
    text(): string;
    attr(name: string): string | undefined;
    toString(): string;
  }
  export default function xml(name: string, attrs?: Record<string, unknown> | string | null, ...children: unknown[]): Element;
}

declare module "@xmpp/client" {
  import type { Element } from "@xmpp/xml";
  export interface Client {
    start(): Promise<{ toString(): string; local: string; domain: string; resource: string }>;
    stop(): Promise<void>;
    send(element: Element): Promise<void>;
    on(event: string, handler: (arg: any) => void): void;
    reconnect: { stop(): void };
    iqCaller: { request(element: Element, timeout?: number): Promise<Element> };
    streamManagement?: { allowResume?: () => boolean };
    jid?: { toString(): string };
  }
  export function client(options: Record<string, unknown>): Client;
  export function xml(name: string, attrs?: Record<string, unknown> | string | null, ...children: unknown[]): Element;
  export function jid(s: string): { toString(): string };
}
