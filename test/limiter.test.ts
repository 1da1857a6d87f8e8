/** The per-mailbox limit (m365/graph.ts): a batch takes a place for each request to a mailbox that runs at once, all together, first come first served. */
import { describe, expect, it } from "vitest";
import { batchMailboxes, KeyedLimiter } from "../m365/graph.js";

describe("the mailbox limit", () => {
  it("a batch counts each mailbox request that runs at once (not those after a dependency), at most the limit", () => {
    const req = (url: string, dependsOn?: string[]) => ({ id: url, method: "GET", url, ...(dependsOn ? { dependsOn } : {}) });
    const body = {
      requests: [
        req("/users/a@x/messages/1"),
        req("/users/a@x/messages/2"),
        req("/users/a@x/messages/3/move", ["x"]),
        req("/users/B@x/messages/4"),
        req("/sites/s/lists/Cases/items"),
      ],
    };
    expect(batchMailboxes(body).sort()).toEqual(["a@x", "a@x", "b@x"]);
    const many = { requests: Array.from({ length: 9 }, (_, i) => req(`/users/a@x/messages/${i}`)) };
    expect(batchMailboxes(many, 4)).toHaveLength(4);
  });

  it("takes several places at once or waits; two batches never each hold part and wait for ever; first come first served", async () => {
    const l = new KeyedLimiter(4);
    const order: string[] = [];
    await l.acquire("m", 3);
    const big = l.acquire("m", 3).then(() => order.push("big"));
    const small = l.acquire("m", 1).then(() => order.push("small")); // fits now, but waits behind the first in line
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual([]);
    l.release("m", 3);
    await Promise.all([big, small]);
    expect(order).toEqual(["big", "small"]);
    expect(l.peak).toBe(4);
  });

  it("with the app's other instances: only as many places as slots held here; tells the slots what is in flight and waiting", async () => {
    let held = 0;
    const needs: [number, number][] = [];
    let more: (key: string) => void = () => {};
    const l = new KeyedLimiter(4, { held: () => held, need: (_k, places, inFlight) => needs.push([places, inFlight]), onMore: (f) => (more = f) });
    const order: string[] = [];
    const one = l.acquire("m", 1).then(() => order.push("one"));
    const batch = l.acquire("m", 3).then(() => order.push("batch"));
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual([]); // no slot yet
    expect(needs.at(-1)).toEqual([4, 0]);
    held = 2;
    more("m");
    await one;
    expect(order).toEqual(["one"]); // the batch needs 3 and 2 are held
    held = 4;
    more("m");
    await batch;
    expect(order).toEqual(["one", "batch"]);
    expect(needs.at(-1)).toEqual([4, 4]);
    l.release("m", 1);
    l.release("m", 3);
    expect(needs.at(-1)).toEqual([0, 0]); // the slots may go back
    expect(l.peak).toBe(4);
  });
});
