// Types for cluster-key-slot (the CRC16 key-to-slot hash ioredis itself uses; it ships none).
declare module "cluster-key-slot" {
  /** The Redis Cluster slot (0..16383) of a key, honouring `{hash tags}`. */
  function calculateSlot(key: string): number;
  export default calculateSlot;
}
