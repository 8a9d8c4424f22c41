/**
 * What a groupchat message's `<data>` element says about its sender (PROTOCOL §7.5 "Profile cache"): a display
 * name (`fullName`, else `senderFirstName senderLastName` trimmed) and a photo URL (`photo`, `photoURL`,
 * `profileImage`). `<data>` may be in any namespace (§0.4), so it is matched by local name only.
 */
import type { Element } from "../../xml/element.js";

/** What one message tells; "" means "nothing". */
export interface DataHint {
  readonly name: string;
  readonly photo: string;
}

function trimmed(value: string | undefined): string {
  return value === undefined ? "" : value.trim();
}

/** The first `<data>` child (any namespace), or undefined. */
export function dataElement(stanza: Element): Element | undefined {
  for (const c of stanza.children) {
    if (typeof c !== "string" && c.name === "data") return c;
  }
  return undefined;
}

/** The name and photo a message carries, or undefined when it carries neither (the common case: no allocation). */
export function dataHint(stanza: Element): DataHint | undefined {
  const data = dataElement(stanza);
  if (data === undefined) return undefined;
  const a = data.attrs;
  let name = trimmed(a["fullName"]);
  if (name === "") name = (trimmed(a["senderFirstName"]) + " " + trimmed(a["senderLastName"])).trim();
  let photo = trimmed(a["photo"]);
  if (photo === "") photo = trimmed(a["photoURL"]);
  if (photo === "") photo = trimmed(a["profileImage"]);
  return name === "" && photo === "" ? undefined : { name, photo };
}
