// MucSub subscriptions survive a restart (PROTOCOL §5.8), on SQLite (a data dir) and PostgreSQL (a schema):
// nick, nodes and delivery keep working; subscriptions to rooms that did not survive (temporary) are gone.
import { afterAll, describe, expect, it } from "vitest";
import type { SqlDialectName } from "../../src/storage/open-database.js";
import { backendsUnderTest } from "../harness/test-database.js";
import { restartableServer } from "../harness/restartable-server.js";
import { groupchat, joined, nextId } from "./muc-helpers.js";
import { isWrappedMessage, listSubscriptions, NODE, subscribe, subscriptionsOf, wrapped } from "./mucsub-helpers.js";

const SERVICE = "conference.localhost";
const USERS = ["admin", "65f0a1_alice", "65f0a1_bob", "65f0a1_carol"];

describe.each<SqlDialectName>(backendsUnderTest())("MucSub subscriptions across a restart on %s", (backend) => {
  const server = restartableServer(backend, { users: USERS, config: { auth: { mechanisms: ["PLAIN"] } } });

  afterAll(() => server.cleanup());

  it("keeps nick, nodes and delivery; forgets subscriptions of rooms that did not survive", async () => {
    const first = await server.start(true);
    const kept = `65f0a1_kept@${SERVICE}`;
    const temp = `65f0a1_temp@${SERVICE}`;
    await first.api("create_room_with_opts", { name: "65f0a1_kept", service: SERVICE });
    await first.api("create_room_with_opts", { name: "65f0a1_temp", service: SERVICE, options: { persistent: "false" } });
    const bob = await first.connect("65f0a1_bob");
    expect((await subscribe(bob, kept, { nodes: ["messages", "subject"] })).attrs.type).toBe("result");
    expect((await subscribe(bob, temp)).attrs.type).toBe("result");
    await first.api("subscribe_room", { user: "65f0a1_carol@localhost", nick: "Carol", room: kept, nodes: "presence" });
    await first.stop({ keepData: true });

    const second = await server.start(false);
    try {
      expect((await second.api("get_subscribers", { name: "65f0a1_kept" })).body).toEqual(["65f0a1_bob@localhost", "65f0a1_carol@localhost"]);
      expect((await second.api("get_user_subscriptions", { user: "65f0a1_carol", host: "localhost" })).body).toEqual([{ roomjid: kept, usernick: "Carol", nodes: [NODE("presence")] }]);
      const bob2 = await second.connect("65f0a1_bob");
      expect(subscriptionsOf(await listSubscriptions(bob2, SERVICE))).toEqual([[kept, "65f0a1_bob", [NODE("messages"), NODE("subject")]]]);

      const alice = await second.connect("65f0a1_alice");
      await joined(alice, `${kept}/65f0a1_alice`);
      const id = nextId("after");
      await alice.send(groupchat(kept, "after the restart", id));
      expect(wrapped(await bob2.receive(isWrappedMessage(id)))?.getChildText("body")).toBe("after the restart");
      // Still a sender without joining, under the stored nick.
      const own = nextId("own");
      await bob2.send(groupchat(kept, "me too", own));
      expect((await alice.receive((s) => s.attrs.id === own)).attrs.from).toBe(`${kept}/65f0a1_bob`);
    } finally {
      await second.stop({ keepData: true });
    }
  });
});
