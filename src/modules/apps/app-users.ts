/**
 * Who belongs to an App (PROTOCOL §1.6, §0.5): the App of a localpart is the text before its first `_`;
 * its regular users exclude the system account `<appId>_<appId>`, bots (`-bot`) and widget visitors
 * (`<appId>_widget-`), each exclusion switchable by `apps.pinned_exclude` (§1.7).
 */
import type { PinnedExclusion } from "../../config/config.types.js";

/** The App prefix of a user or room localpart, or undefined when it has none. */
export function appOf(localpart: string): string | undefined {
  const i = localpart.indexOf("_");
  return i <= 0 ? undefined : localpart.slice(0, i);
}

/** §8.6 create_app: an appId must not contain `_` or `@` (nor be empty or hold JID-breaking characters). */
export function isValidAppId(appId: string): boolean {
  return appId !== "" && !/[_@\s/"&'<>:]/.test(appId);
}

export function isRegularUser(localpart: string, appId: string, exclude: ReadonlySet<PinnedExclusion>): boolean {
  if (!localpart.startsWith(appId + "_") || localpart.length === appId.length + 1) return false;
  if (exclude.has("system") && localpart === appId + "_" + appId) return false;
  if (exclude.has("bot") && localpart.endsWith("-bot")) return false;
  if (exclude.has("widget") && localpart.startsWith(appId + "_widget-")) return false;
  return true;
}
