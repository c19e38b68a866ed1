// The IPv4 routing table (Linux's main table): connected routes that come and go with addresses
// and links, static and default routes; longest-prefix match, then the lowest metric.
import { prefixMask, type Ipv4Addr } from '../wire/index.ts';

export interface Route {
  dst: Ipv4Addr;
  prefixLen: number;
  /** null for a directly connected network. */
  gateway: Ipv4Addr | null;
  iface: string;
  metric: number;
  /** 'kernel' for the connected route of an address, 'static' for one added by a user. */
  proto: 'kernel' | 'static';
  /** The address a connected route prefers as source (`src` in `ip route`). */
  prefSrc: Ipv4Addr | null;
}

/** errno-style results, as route(8) and ip(8) report them. */
export type RouteResult = 'ok' | 'EEXIST' | 'ESRCH' | 'ENETUNREACH' | 'ENODEV' | 'EINVAL';

export interface RouteSpec {
  dst: Ipv4Addr;
  prefixLen: number;
  gateway?: Ipv4Addr | null;
  iface?: string;
  metric?: number;
}

/** The route's network address equals dst with host bits cleared. */
export function routeMatches(r: Route, addr: Ipv4Addr): boolean {
  const m = prefixMask(r.prefixLen);
  return ((addr & m) >>> 0) === r.dst;
}

export class RouteTable {
  private routes: Route[] = [];

  /** Routes in the order `ip route` and `route -n` list them: by destination, longer prefix first. */
  list(): Route[] {
    return [...this.routes].sort((a, b) => a.dst - b.dst || b.prefixLen - a.prefixLen || a.metric - b.metric);
  }

  /** Longest-prefix match; ties go to the lowest metric, then to the earlier route. */
  lookup(addr: Ipv4Addr): Route | undefined {
    let best: Route | undefined;
    for (const r of this.routes) {
      if (!routeMatches(r, addr)) continue;
      if (best === undefined || r.prefixLen > best.prefixLen || (r.prefixLen === best.prefixLen && r.metric < best.metric)) {
        best = r;
      }
    }
    return best;
  }

  /** Adds a route that has already been validated by the host. */
  insert(r: Route): RouteResult {
    if ((r.dst & prefixMask(r.prefixLen)) >>> 0 !== r.dst) return 'EINVAL';
    // Linux refuses a second route with the same destination, prefix and metric (File exists).
    const dup = this.routes.find((x) => x.dst === r.dst && x.prefixLen === r.prefixLen && x.metric === r.metric);
    if (dup !== undefined) return 'EEXIST';
    this.routes.push(r);
    return 'ok';
  }

  /** Deletes the first route matching every field given (route del / ip route del). */
  remove(spec: RouteSpec): RouteResult {
    const i = this.routes.findIndex(
      (r) =>
        r.dst === spec.dst &&
        r.prefixLen === spec.prefixLen &&
        (spec.gateway === undefined || r.gateway === spec.gateway) &&
        (spec.iface === undefined || r.iface === spec.iface) &&
        (spec.metric === undefined || r.metric === spec.metric),
    );
    if (i < 0) return 'ESRCH';
    this.routes.splice(i, 1);
    return 'ok';
  }

  /** Removes every route through `iface` (link down), or only its connected ones for `addr`. */
  removeWhere(pred: (r: Route) => boolean): void {
    this.routes = this.routes.filter((r) => !pred(r));
  }
}
