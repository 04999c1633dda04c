// Owns how our PostgreSQL pools (the server's and the read workers') parse values and hand out
// connections.
import pg from "pg";

// int8 (bigint: our millisecond timestamps, offsets, count(*)) arrives as a string by default;
// every value we store fits in a double exactly, so parse it as a number for these pools only.
export const pgTypes = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === 20) return (value: string) => Number(value);
    // biome-ignore lint/suspicious/noExplicitAny: pg's overloaded signature
    return (pg.types.getTypeParser as any)(oid, format);
  },
};

/**
 * A pool that checks a connection that sat idle before handing it out: PostgreSQL restarting
 * (or a failover) can leave idle clients whose socket is gone without an error event, and the
 * next query on one fails with "Connection terminated unexpectedly". A quick `SELECT 1` on
 * connections idle for over 250 ms costs little under load and hands out a fresh one instead.
 */
export function checkedPool(pool: pg.Pool) {
  const lastUsed = new WeakMap<pg.PoolClient, number>();
  // A client that reported an error while checked out (PostgreSQL restarting mid-query) may have
  // been handed back as if healthy: it is discarded on its next checkout or release.
  const broken = new WeakSet<pg.PoolClient>();
  const watched = new WeakSet<pg.PoolClient>();
  const dead = (client: pg.PoolClient) =>
    broken.has(client) ||
    (client as unknown as { connection?: { stream?: { destroyed?: boolean } } }).connection?.stream
      ?.destroyed === true;
  return {
    async connect(): Promise<pg.PoolClient> {
      for (let attempt = 0; ; attempt++) {
        const client = await pool.connect();
        if (!watched.has(client)) {
          watched.add(client);
          client.on("error", () => broken.add(client));
        }
        if (attempt < 5 && dead(client)) {
          client.release(new Error("connection lost")); // discarded, not returned to the pool
          continue;
        }
        const idle = Date.now() - (lastUsed.get(client) ?? Date.now());
        if (idle > 250 && attempt < 5) {
          try {
            await client.query("SELECT 1");
          } catch (error) {
            client.release(error as Error);
            continue;
          }
        }
        // pg-pool gives each checkout its own `release`: wrap this one to note when it came back.
        const release = client.release.bind(client);
        client.release = (err?: Error | boolean) => {
          lastUsed.set(client, Date.now());
          release(err ?? (dead(client) ? new Error("connection lost") : undefined));
        };
        return client;
      }
    },
    end: () => pool.end(),
  };
}
