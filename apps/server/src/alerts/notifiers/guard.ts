// Owns the rule for where user-chosen webhook URLs may point: public unicast addresses only,
// unless the administrator allows private ones (PULSEBOARD_ALERT_ALLOW_PRIVATE=1) or lists hosts
// or networks (PULSEBOARD_ALERT_ALLOW_HOSTS). The check runs on the address actually connected
// to (a DNS lookup hook), so a name that resolves to 127.0.0.1 — or re-resolves to it after
// saving — is refused too. ipaddr.js classifies the ranges (loopback, private, link-local,
// unique-local, CGNAT, multicast, reserved, IPv4-mapped IPv6) so we keep no range table of our own.
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import type { ErrorCode } from "@pulseboard/channels";
import ipaddr from "ipaddr.js";

export type AddressPolicy = {
  allowPrivate: boolean;
  /** host names (matched as written in the URL), addresses, or CIDR networks */
  allowHosts: string[];
};

/** Raised inside the DNS lookup hook of an outgoing request, so a plain Error (with a table code). */
export class BlockedAddressError extends Error {
  readonly code: ErrorCode = "PB_ERR_BLOCKED_ADDRESS";
}

function parsedNetworks(list: string[]): [ipaddr.IPv4 | ipaddr.IPv6, number][] {
  const out: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];
  for (const entry of list) {
    try {
      if (entry.includes("/")) out.push(ipaddr.parseCIDR(entry));
      else if (ipaddr.isValid(entry)) {
        const a = ipaddr.process(entry);
        out.push([a, a.kind() === "ipv4" ? 32 : 128]);
      }
    } catch {
      // not an address: it is matched as a host name
    }
  }
  return out;
}

/** Whether `address` may be connected to for a URL whose host is `host`. */
export function addressAllowed(policy: AddressPolicy, host: string, address: string): boolean {
  if (policy.allowPrivate) return true;
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (policy.allowHosts.some((h) => h.toLowerCase() === bare)) return true;
  if (!ipaddr.isValid(address)) return false;
  const ip = ipaddr.process(address);
  for (const [net, bits] of parsedNetworks(policy.allowHosts)) {
    if (net.kind() === ip.kind() && ip.match(net, bits)) return true;
  }
  return ip.range() === "unicast";
}

/** Refuses a URL whose host is a literal address that may not be used (checked when saving too). */
export function checkLiteralHost(policy: AddressPolicy, url: URL): void {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (isIP(host) && !addressAllowed(policy, host, host)) {
    throw new BlockedAddressError(`${host} is a loopback, private or link-local address`);
  }
}

/** A DNS lookup for http.request that refuses disallowed answers (every answer must pass). */
export function guardedLookup(policy: AddressPolicy, host: string): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, "", 0);
      const bad = addresses.find((a) => !addressAllowed(policy, host, a.address));
      if (bad) {
        return callback(
          new BlockedAddressError(
            `${hostname} resolves to ${bad.address}, a loopback, private or link-local address`,
          ),
          "",
          0,
        );
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0];
      if (!first) return callback(new Error(`${hostname} has no address`), "", 0);
      callback(null, first.address, first.family);
    });
  };
}
