// Types flow from the definition: params from the path, user from the authenticators, object
// from loadObject, payloads from the schemas. Checked by tsc; the runtime assertions are trivial.
import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { AuthResult, createChannelsServer, defineConsumer } from "../src/index.ts";

type User = { id: number; name: string };
type Board = { id: number; title: string };

const Typed = defineConsumer({
  path: "/ws/board/:boardId/:tab/",
  authenticators: [
    async (req) => {
      expectTypeOf(req.params).toEqualTypeOf<{ boardId: string; tab: string }>();
      return req.token === "t" ? ({ id: 1, name: "ann" } as User) : null;
    },
  ],
  loadObject: async (ctx) => {
    expectTypeOf(ctx.user).toEqualTypeOf<User>();
    return { id: Number(ctx.params.boardId), title: "b" } as Board | null;
  },
  permissions: [async (ctx) => ctx.object.id > 0 || AuthResult.deny(403, "no")],
  incoming: { ping: z.null().optional(), add: z.object({ a: z.number(), b: z.number() }) },
  outgoing: { pong: z.null(), sum: z.number() },
  events: { tick: z.object({ n: z.number() }) },
  state: () => ({ seen: 0 }),
  onAuthenticated: async (ctx) => {
    expectTypeOf(ctx.object).toEqualTypeOf<Board>();
    await ctx.join(`board.${ctx.object.id}`);
  },
  handlers: {
    ping: () => ({ action: "pong", payload: null }),
    add: (payload, ctx) => {
      expectTypeOf(payload).toEqualTypeOf<{ a: number; b: number }>();
      ctx.state.seen++;
      return { action: "sum", payload: payload.a + payload.b };
    },
  },
  eventHandlers: {
    tick: (event, ctx) => {
      expectTypeOf(event).toEqualTypeOf<{ n: number }>();
      ctx.send("sum", event.n);
    },
  },
});

describe("consumer typing", () => {
  it("infers path params, user, object, state and payload types from the definition", () => {
    expectTypeOf(Typed.path).toEqualTypeOf<"/ws/board/:boardId/:tab/">();
    const make = () => createChannelsServer({ consumers: [Typed] });
    type S = ReturnType<typeof make>;
    expectTypeOf<Parameters<S["groupSend"]>[1]>().toEqualTypeOf<"tick">();
    expectTypeOf<Parameters<S["groupSend"]>[2]>().toEqualTypeOf<{ n: number }>();
  });
});
