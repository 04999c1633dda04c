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
 * connections idle for over a second costs nothing under load and hands out a fresh one instead.
 */
export function checkedPool(pool: pg.Pool) {
  const lastUsed = new WeakMap<pg.PoolClient, number>();
  return {
    async connect(): Promise<pg.PoolClient> {
      for (let attempt = 0; ; attempt++) {
        const client = await pool.connect();
        const idle = Date.now() - (lastUsed.get(client) ?? Date.now());
        if (idle > 1000 && attempt < 3) {
          try {
            await client.query("SELECT 1");
          } catch (error) {
            client.release(error as Error); // discarded, not returned to the pool
            continue;
          }
        }
        // pg-pool gives each checkout its own `release`: wrap this one to note when it came back.
        const release = client.release.bind(client);
        client.release = (err?: Error | boolean) => {
          lastUsed.set(client, Date.now());
          release(err);
        };
        return client;
      }
    },
    end: () => pool.end(),
  };
}
