// Owns the server's delivery counters, for an operator's /metrics: frames and bytes handed to
// sockets, frames replaced by a newer one while a client was behind (conflated), and
// connections the server closed itself (slow consumer 4008, rate limit 4029). Plain integer
// increments on paths that already do the work, read only when someone asks.
export class ChannelsStats {
  framesSent = 0;
  bytesSent = 0;
  conflated = 0;
  slowConsumerCloses = 0;
  rateLimitCloses = 0;
}
