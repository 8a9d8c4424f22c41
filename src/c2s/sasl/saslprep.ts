/**
 * SASLprep (RFC 4013) for passwords, as needed by SCRAM (RFC 5802 §2.2) and PLAIN (RFC 4616 §2).
 *
 * Implemented subset: the mapping step (§2.1: non-ASCII spaces → U+0020, "commonly mapped to nothing" removed),
 * NFKC normalisation (§2.2), and the prohibited-output check (§2.3, stringprep tables C.1.2–C.9). Unassigned
 * code points (§2.5) are rejected only for stored strings, using the runtime's Unicode tables (newer than the
 * Unicode 3.2 that RFC 3454 pins). Not implemented: the bidirectional check (§2.4), because JavaScript regular
 * expressions cannot test Bidi_Class; such passwords are accepted as normalised.
 */

/** Stringprep C.1.2 (non-ASCII space characters), mapped to SPACE. */
const NON_ASCII_SPACE = /[\u00A0\u1680\u2000-\u200B\u202F\u205F\u3000]/gu;
/** Stringprep B.1 (commonly mapped to nothing), removed. */
const MAPPED_TO_NOTHING = /[\u00AD\u034F\u1806\u180B-\u180D\u200B-\u200D\u2060\uFE00-\uFE0F\uFEFF]/gu;
/**
 * Stringprep C.1.2, C.2.1, C.2.2, C.3, C.4, C.5, C.6, C.7, C.8, C.9. Cc covers C.2.1 and U+0080–U+009F,
 * Co covers C.3, Cs covers C.5 (lone surrogates), Noncharacter_Code_Point covers C.4.
 */
const PROHIBITED =
  /[\p{Cc}\p{Co}\p{Cs}\p{Noncharacter_Code_Point}\u00A0\u0340\u0341\u06DD\u070F\u1680\u180E\u2000-\u200F\u2028-\u202F\u205F-\u2063\u206A-\u206F\u2FF0-\u2FFB\u3000\uFEFF\uFFF9-\uFFFD\u{1D173}-\u{1D17A}\u{E0001}\u{E0020}-\u{E007F}]/u;
const UNASSIGNED = /\p{Cn}/u;

export class SaslPrepError extends Error {
  override readonly name = "SaslPrepError";
}

export interface SaslPrepOptions {
  /** RFC 4013 §2.5: stored strings reject unassigned code points, queries allow them. Default: query. */
  readonly stored?: boolean;
}

/** Prepares a string with SASLprep; throws SaslPrepError on prohibited output. */
export function saslPrep(input: string, options: SaslPrepOptions = {}): string {
  const mapped = input.replace(NON_ASCII_SPACE, " ").replace(MAPPED_TO_NOTHING, "");
  const normalised = mapped.normalize("NFKC");
  if (PROHIBITED.test(normalised)) throw new SaslPrepError("string contains a prohibited character");
  if (options.stored === true && UNASSIGNED.test(normalised)) {
    throw new SaslPrepError("string contains an unassigned code point");
  }
  return normalised;
}
