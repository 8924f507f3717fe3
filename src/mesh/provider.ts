/** A device in the tailnet, as the operator sees it. */
export interface MeshDevice {
  /** Headscale node id. */
  id: string;
  /** Device (host) name in the tailnet. */
  name: string;
  ips: string[];
  /** Owning user's login name; empty for tagged devices (tags replace the user). */
  user: string;
  tags: string[];
  online: boolean;
  lastSeen?: string;
}

/**
 * Where the operator learns about the tailnet: its devices, who is behind an address, and the ACL
 * policy. `headscale` reads a real Headscale; `stub` reads a static file (quickstart without a mesh).
 */
export interface MeshProvider {
  readonly kind: 'headscale' | 'stub';
  listDevices(): Promise<MeshDevice[]>;
  /** The device that owns a tailnet address, if any. */
  whois(ip: string): Promise<MeshDevice | undefined>;
  /** The HuJSON ACL policy text in force. */
  policy(): Promise<string>;
}

/** A running device watch. */
export interface DeviceWatch {
  stop(): void;
}

/**
 * Watches a provider's devices: calls `onChange` with the full list whenever it differs from the
 * last one, or is the first after a failed poll (Headscale has no push API for nodes, so this
 * polls), and `onError` when a poll fails.
 * @example const w = watchDevices(provider, 5000, (devices) => reconcile(devices)); w.stop();
 */
export function watchDevices(
  provider: MeshProvider,
  intervalMs: number,
  onChange: (devices: MeshDevice[]) => void,
  onError: (err: Error) => void = () => {},
): DeviceWatch {
  let stopped = false;
  let last = '';
  const tick = async () => {
    if (stopped) return;
    try {
      const devices = await provider.listDevices();
      const fp = JSON.stringify(devices);
      if (fp !== last) {
        last = fp;
        onChange(devices);
      }
    } catch (err) {
      last = ''; // after an outage the next good list is reported even if it did not change
      onError(err as Error);
    }
    if (!stopped) setTimeout(() => void tick(), intervalMs).unref();
  };
  void tick();
  return { stop: () => void (stopped = true) };
}

/** Finds the device with an address (pure helper shared by providers). */
export function deviceByIp(devices: readonly MeshDevice[], ip: string): MeshDevice | undefined {
  const norm = ip.replace(/^::ffff:/, '');
  return devices.find((d) => d.ips.includes(norm));
}

/** Tailnet address ranges: CGNAT 100.64.0.0/10 and Tailscale's ULA fd7a:115c:a1e0::/48. */
export function isTailnetAddress(ip: string): boolean {
  const v4 = ip.replace(/^::ffff:/, '');
  const m = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(v4);
  if (m) return Number(m[1]) === 100 && Number(m[2]) >= 64 && Number(m[2]) <= 127;
  return /^fd7a:115c:a1e0:/i.test(ip);
}
