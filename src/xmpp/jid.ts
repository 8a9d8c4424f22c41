/**
 * JIDs (RFC 7622). Localpart and domain are compared in lowercase (PROTOCOL §1.6); the resource is
 * kept as given, NFC-normalised. Localparts up to 1023 bytes are accepted (1:1 room names are long).
 */
const FORBIDDEN_LOCAL = /[\s"&'/:<>@\u0000-\u001f\u007f]/;

export class Jid {
  readonly local: string;
  readonly domain: string;
  readonly resource: string;
  #bare: string | undefined;
  #full: string | undefined;

  constructor(local: string, domain: string, resource = "") {
    this.local = local;
    this.domain = domain;
    this.resource = resource;
  }

  get isBare(): boolean {
    return this.resource === "";
  }

  /** The bare JID as a string: `local@domain` (or `domain`). */
  get bareString(): string {
    return (this.#bare ??= this.local === "" ? this.domain : this.local + "@" + this.domain);
  }

  bare(): Jid {
    return this.resource === "" ? this : new Jid(this.local, this.domain);
  }

  withResource(resource: string): Jid {
    return new Jid(this.local, this.domain, resource);
  }

  equals(other: Jid): boolean {
    return this.local === other.local && this.domain === other.domain && this.resource === other.resource;
  }

  toString(): string {
    return (this.#full ??= this.resource === "" ? this.bareString : this.bareString + "/" + this.resource);
  }
}

export class JidMalformedError extends Error {
  override readonly name = "JidMalformedError";
}

/** Parses and normalises a JID; throws JidMalformedError. */
export function parseJid(input: string): Jid {
  const slash = input.indexOf("/");
  const head = slash < 0 ? input : input.slice(0, slash);
  const resource = slash < 0 ? "" : input.slice(slash + 1).normalize("NFC");
  const at = head.lastIndexOf("@");
  const local = at < 0 ? "" : head.slice(0, at).normalize("NFKC").toLowerCase();
  let domain = (at < 0 ? head : head.slice(at + 1)).toLowerCase();
  if (domain.endsWith(".")) domain = domain.slice(0, -1);
  if (domain === "" || domain.length > 1023 || /[\s@/]/.test(domain)) throw new JidMalformedError(`bad domain in ${input}`);
  if (at >= 0 && (local === "" || Buffer.byteLength(local) > 1023 || FORBIDDEN_LOCAL.test(local))) {
    throw new JidMalformedError(`bad localpart in ${input}`);
  }
  if (slash >= 0 && (resource === "" || Buffer.byteLength(resource) > 1023 || /[\u0000-\u001f]/.test(resource))) {
    throw new JidMalformedError(`bad resource in ${input}`);
  }
  return new Jid(local, domain, resource);
}

/** Like parseJid, but returns undefined instead of throwing. */
export function tryParseJid(input: string | undefined): Jid | undefined {
  if (input === undefined) return undefined;
  try {
    return parseJid(input);
  } catch {
    return undefined;
  }
}

/** Checks a localpart for registration (the same rules as in a JID). */
export function isValidLocalpart(local: string): boolean {
  return local !== "" && Buffer.byteLength(local) <= 1023 && !FORBIDDEN_LOCAL.test(local) && local === local.toLowerCase();
}
