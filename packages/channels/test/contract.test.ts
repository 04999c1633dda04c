// Specifications of contracts (contract.ts): a contract declares an endpoint's path and schemas
// apart from the consumer that keeps it. A consumer defined from one serves exactly its frames,
// `server.groupSend(contract, …)` checks an event against that contract (by tsc, and at runtime,
// even where another consumer uses the same event name), the AsyncAPI document is read from the
// contract alone, and `ContextOf` names the context helpers take. Over real sockets.
import { afterEach, describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import {
  type ContextOf,
  type ContractSender,
  defineConsumer,
  defineContract,
  generateAsyncApi,
  ValidationError,
} from "../src/index.ts";
import { type Running, start } from "./helpers.ts";

/** A counter per name: `add {n}` answers the new `total`; `bump` events add to every member's. */
const counterContract = defineContract({
  path: "/ws/counter/:name/",
  name: "counter",
  params: { name: "Which counter" },
  incoming: { add: z.object({ n: z.number().int() }) },
  outgoing: { total: z.object({ name: z.string(), total: z.number() }) },
  events: { bump: z.object({ by: z.number().int().positive() }) },
});

/** Another endpoint whose event has the same name and another shape. */
const labelContract = defineContract({
  path: "/ws/label/:name/",
  incoming: {},
  outgoing: { bump: z.object({ label: z.string() }) },
  events: { bump: z.object({ label: z.string().min(1) }) },
});

type Counter = { name: string };
type CounterState = { total: number };
/** A helper written apart from the consumer, typed by the contract's context (no `any`). */
function addTo(c: ContextOf<typeof counterContract, null, Counter, CounterState>, n: number): void {
  c.state.total += n;
  c.send("total", { name: c.object.name, total: c.state.total });
}

const Counter = defineConsumer(counterContract, {
  loadObject: ({ params }): Counter | null => (params.name.length <= 20 ? { name: params.name } : null),
  state: (): CounterState => ({ total: 0 }),
  onAuthenticated: (c) => c.join(`counter.${c.object.name}`),
  handlers: { add: ({ n }, c) => addTo(c, n) },
  eventHandlers: { bump: ({ by }, c) => addTo(c, by) },
});
const Label = defineConsumer(labelContract, {
  onAuthenticated: (c) => c.join(`label.${c.request.params.name}`),
  handlers: {},
});

let app: Running<typeof Counter | typeof Label> | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

describe("contracts", () => {
  it("a consumer defined from a contract serves its path and validates its incoming frames", async () => {
    app = await start({ consumers: [Counter, Label] });
    const c = await app.connect("/ws/counter/apples/");
    await c.assertAuthenticated();
    c.sendMessage("add", { n: 2 });
    c.sendMessage("add", { n: 3 });
    expect(await c.receiveFrames(2)).toEqual([
      { action: "total", payload: { name: "apples", total: 2 } },
      { action: "total", payload: { name: "apples", total: 5 } },
    ]);
    c.sendMessage("add", { n: "four" });
    expect((await c.receive()).action).toBe("error");
    expect(Counter.contract).toBe(counterContract);
  });

  it("server.groupSend(contract, …) validates against that contract, whoever else names the event", async () => {
    app = await start({ consumers: [Counter, Label] });
    const counter = await app.connect("/ws/counter/pears/");
    const label = await app.connect("/ws/label/pears/");
    await counter.assertAuthenticated();
    await label.assertAuthenticated();
    // The first consumer with a `bump` is Counter: the contract says which one is meant.
    await app.server.groupSend(labelContract, "label.pears", "bump", { label: "ripe" });
    expect(await label.receive()).toEqual({ action: "bump", payload: { label: "ripe" } });
    await app.server.groupSend(counterContract, "counter.pears", "bump", { by: 4 });
    expect(await counter.receive()).toEqual({ action: "total", payload: { name: "pears", total: 4 } });

    // @ts-expect-error a payload of another contract's `bump` does not type-check
    const wrong = app.server.groupSend(counterContract, "counter.pears", "bump", { label: "ripe" });
    await expect(wrong).rejects.toBeInstanceOf(ValidationError);
    await expect(
      app.server.groupSend(labelContract, "label.pears", "bump", { label: "" }),
    ).rejects.toMatchObject({
      code: "PB_ERR_VALIDATION",
    });
    expect(await counter.receiveAll(150)).toEqual([]);
    expect(await label.receiveAll(50)).toEqual([]);
  });

  it("the AsyncAPI document is read from the contract alone, and is the one of its consumer", () => {
    const options = { title: "t", version: "1", host: "localhost:1" };
    const fromContract = generateAsyncApi({ ...options, consumers: [counterContract] });
    expect(fromContract).toEqual(generateAsyncApi({ ...options, consumers: [Counter] }));
    const channel = (fromContract.channels as Record<string, { address: string; parameters: unknown }>)
      .counter;
    expect(channel?.address).toBe("/ws/counter/{name}/");
    expect(channel?.parameters).toEqual({ name: { description: "Which counter" } });
    expect(Object.keys(fromContract.components as object)).toContain("messages");
    const messages = Object.keys((fromContract.components as { messages: object }).messages);
    expect(messages).toEqual(
      expect.arrayContaining(["counter.client.add", "counter.server.total", "counter.server.bump"]),
    );
  });

  it("types every send from the contract (checked by tsc)", () => {
    expectTypeOf(counterContract.path).toEqualTypeOf<"/ws/counter/:name/">();
    type Sender = ContractSender["groupSend"];
    const send = (() => Promise.resolve()) as Sender;
    void send(counterContract, "g", "bump", { by: 1 });
    // @ts-expect-error no such event in the contract
    void send(counterContract, "g", "tick", { by: 1 });
    // @ts-expect-error the payload's type is the event's schema input
    void send(counterContract, "g", "bump", { by: "1" });
    // The context of a consumer and of its contract (with the behaviour's types) are the same.
    expectTypeOf<ContextOf<typeof Counter>>().toEqualTypeOf<
      ContextOf<typeof counterContract, null, Counter, CounterState>
    >();
    const helper = (c: ContextOf<typeof counterContract, null, Counter, CounterState>) => {
      // @ts-expect-error `sum` is not an outgoing action of the contract
      c.send("sum", 1);
    };
    void helper;
  });
});
