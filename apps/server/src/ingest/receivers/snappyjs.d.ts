// Types for snappyjs (pure-JS Snappy block format, which remote_write uses); it ships none.
declare module "snappyjs" {
  const snappy: {
    uncompress(compressed: Uint8Array | ArrayBuffer, maxLength?: number): Uint8Array;
    compress(uncompressed: Uint8Array | ArrayBuffer): Uint8Array;
  };
  export default snappy;
}
