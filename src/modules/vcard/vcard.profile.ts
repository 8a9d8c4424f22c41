/**
 * What the server reads out of a vcard-temp vCard (XEP-0054): the display data of the profile cache
 * (PROTOCOL §7.5) and the avatar state behind XEP-0153's `vcard-temp:x:update` photo hash.
 */
import { createHash } from "node:crypto";
import { el, type Element } from "../../xml/element.js";
import { NS } from "../../xmpp/namespaces.js";

/** Display data for other features (room activity): only fields the vCard sets, trimmed, non-empty. */
export interface VcardProfile {
  readonly fullName?: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly photoUrl?: string;
}

/** XEP-0153 avatar state: a BINVAL photo has a hash; an EXTVAL-only photo cannot be advertised. */
export type VcardPhoto = { readonly kind: "none" } | { readonly kind: "hash"; readonly sha1: string } | { readonly kind: "external" };

export interface VcardSummary {
  readonly profile: VcardProfile;
  readonly photo: VcardPhoto;
}

/** The state of an account that never set a vCard. */
export const EMPTY_SUMMARY: VcardSummary = { profile: {}, photo: { kind: "none" } };

export function summarizeVcard(vcard: Element): VcardSummary {
  const text = (e: Element | undefined) => {
    const t = e?.text().trim();
    return t === undefined || t === "" ? undefined : t;
  };
  const n = vcard.getChild("N", NS.vcard);
  const photo = vcard.getChild("PHOTO", NS.vcard);
  const profile: { -readonly [K in keyof VcardProfile]: VcardProfile[K] } = {};
  const fullName = text(vcard.getChild("FN", NS.vcard));
  const firstName = text(n?.getChild("GIVEN", NS.vcard));
  const lastName = text(n?.getChild("FAMILY", NS.vcard));
  // §7.5: the photo URL is PHOTO/EXTVAL, otherwise the vCard's URL.
  const photoUrl = text(photo?.getChild("EXTVAL", NS.vcard)) ?? text(vcard.getChild("URL", NS.vcard));
  if (fullName !== undefined) profile.fullName = fullName;
  if (firstName !== undefined) profile.firstName = firstName;
  if (lastName !== undefined) profile.lastName = lastName;
  if (photoUrl !== undefined) profile.photoUrl = photoUrl;
  return { profile, photo: photoState(photo) };
}

function photoState(photo: Element | undefined): VcardPhoto {
  const binval = photo?.getChild("BINVAL", NS.vcard)?.text().replace(/\s+/g, "") ?? "";
  if (binval !== "") {
    // XEP-0153 §2: the hash is the SHA-1 of the image data, not of its base64 text.
    return { kind: "hash", sha1: createHash("sha1").update(Buffer.from(binval, "base64")).digest("hex") };
  }
  const extval = photo?.getChild("EXTVAL", NS.vcard)?.text().trim() ?? "";
  return extval === "" ? { kind: "none" } : { kind: "external" };
}

/**
 * The `<x xmlns="vcard-temp:x:update"/>` for a presence (XEP-0153 §4.1): the hash, or an empty
 * `<photo/>` for "no avatar". An external photo has no hash to advertise: undefined, no element
 * (as ejabberd's mod_vcard_xupdate does).
 */
export function photoUpdate(photo: VcardPhoto): Element | undefined {
  switch (photo.kind) {
    case "hash":
      return el("x", { xmlns: NS.vcardUpdate }, el("photo", null, photo.sha1));
    case "none":
      return el("x", { xmlns: NS.vcardUpdate }, el("photo"));
    case "external":
      return undefined;
  }
}

/** A copy of an available presence with the server's x:update in place of any the client sent. */
export function withPhotoUpdate(presence: Element, photo: VcardPhoto): Element {
  const copy = presence.withAttrs({});
  copy.removeChildren("x", NS.vcardUpdate);
  // §0.4 rule 5: the server's element is appended; the client's other children keep their order.
  copy.append(photoUpdate(photo));
  return copy;
}
