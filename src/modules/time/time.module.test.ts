import { describe, expect, it } from "vitest";
import { serialize } from "../../xml/serialize.js";
import { entityTime } from "./time.module.js";

describe("entityTime", () => {
  it("is UTC with offset +00:00 and a XEP-0082 DateTime in whole seconds", () => {
    const ms = Date.UTC(2024, 8, 24, 14, 41, 25, 290);
    expect(serialize(entityTime(ms))).toBe('<time xmlns="urn:xmpp:time"><tzo>+00:00</tzo><utc>2024-09-24T14:41:25Z</utc></time>');
  });
});
