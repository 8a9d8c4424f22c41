import { describe, expect, it } from "vitest";
import { Jid } from "../../xmpp/jid.js";
import { SubscriptionTable, type Subscription } from "./subscription-table.js";

function sub(room: string, user: string, nick: string): Subscription {
  const [local = "", domain = ""] = user.split("@");
  return { room, user, jid: new Jid(local, domain), nick, nodes: ["messages"], createdAt: 1 };
}

describe("SubscriptionTable", () => {
  it("indexes by room, nick and user, and keeps the nick index right on re-subscription", () => {
    const t = new SubscriptionTable();
    t.put(sub("r@c", "a@h", "A"));
    t.put(sub("r@c", "b@h", "B"));
    t.put(sub("s@c", "a@h", "A"));
    expect(t.count("r@c")).toBe(2);
    expect(t.nickHolder("r@c", "A")).toBe("a@h");
    expect([...t.roomsOf("a@h")].sort()).toEqual(["r@c", "s@c"]);
    const previous = t.put(sub("r@c", "a@h", "A2"));
    expect(previous?.nick).toBe("A");
    expect(t.nickHolder("r@c", "A")).toBeUndefined();
    expect(t.nickHolder("r@c", "A2")).toBe("a@h");
    expect(t.delete("r@c", "a@h")?.nick).toBe("A2");
    expect(t.delete("r@c", "a@h")).toBeUndefined();
    expect(t.roomsOf("a@h")).toEqual(["s@c"]);
    expect(t.deleteRoom("r@c").map((s) => s.user)).toEqual(["b@h"]);
    expect(t.count("r@c")).toBe(0);
    expect(t.roomsOf("b@h")).toEqual([]);
  });
});
