// `ns:getrooms` across a restart (PROTOCOL §7.3, §7.4), on SQLite and PostgreSQL: room images set through
// setprofile stay (and show in get_room_options), the member index is rebuilt from the stored rooms and
// subscriptions, and unread counts still start at the recorded membership start.
import { afterAll, describe, expect, it } from "vitest";
import { restartableServer } from "../harness/restartable-server.js";
import { backendsUnderTest } from "../harness/test-database.js";
import { groupchat, joined, nextId } from "./muc-helpers.js";
import { affiliate, createRoom, getrooms, nextMillisecond, roomsOf, setProfile, subscribeUser } from "./getrooms-helpers.js";

const ALICE = "65f0a1_alice";
const BOB = "65f0a1_bob";
const CAROL = "65f0a1_carol";

describe.each(backendsUnderTest())("ns:getrooms across a restart on %s", (backend) => {
  const restartable = restartableServer(backend, { users: [ALICE, BOB, CAROL], config: { auth: { mechanisms: ["PLAIN"] } } });
  afterAll(() => restartable.cleanup());

  it("keeps images, memberships and membership starts", async () => {
    const first = await restartable.start(true);
    const lobby = await createRoom(first, "65f0a1_lobby", { title: "Lobby", affiliations: `owner=${BOB}@localhost;member=${ALICE}@localhost` });
    const news = await createRoom(first, "65f0a1_news", { affiliations: `owner=${BOB}@localhost` });
    await subscribeUser(first, news, ALICE);
    const bob = await first.connect(BOB);
    await joined(bob, `${lobby}/${BOB}`);
    const send = async (body: string) => {
      const id = nextId("m");
      await bob.send(groupchat(lobby, body, id));
      await bob.receive((s) => s.is("message") && s.attrs.id === id);
    };
    await send("before carol");
    await nextMillisecond();
    await affiliate(first, lobby, CAROL, "member");
    await nextMillisecond();
    await send("after carol");
    const thumb = "https://cdn.example.com/l.png";
    expect((await setProfile(bob, { room: lobby, room_thumbnail: thumb })).attrs.type).toBe("result");
    const before = { alice: roomsOf(await getrooms(await first.connect(ALICE))), carol: roomsOf(await getrooms(await first.connect(CAROL))) };
    await first.stop({ keepData: true });

    const second = await restartable.start(false);
    try {
      expect((await second.api("get_room_options", { name: lobby })).body).toMatchObject({ room_thumbnail: thumb, room_background: "none" });
      const alice = roomsOf(await getrooms(await second.connect(ALICE)));
      const carol = roomsOf(await getrooms(await second.connect(CAROL)));
      expect(alice).toEqual(before.alice);
      expect(carol).toEqual(before.carol);
      expect(alice.map((r) => r.jid)).toEqual([lobby, news]);
      expect(alice[0]).toMatchObject({ name: "Lobby", users_cnt: "3", room_thumbnail: thumb, unread: "2" });
      expect(alice[1]).toMatchObject({ users_cnt: "2", unread: "0" });
      // Carol became a member between the two messages: one unread, after the restart too.
      expect(carol).toEqual([expect.objectContaining({ jid: lobby, unread: "1" })]);
    } finally {
      await second.stop({ keepData: true });
    }
  }, 60_000);
});
