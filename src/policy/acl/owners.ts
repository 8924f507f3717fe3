// Tag ownership: who may put a tag on a device. Tags may own tags; ownership is transitive.

import type { Device, Policy } from './types.js';

/** The users, groups and tags that own `tag`, following tag→tag ownership transitively. */
export function ownersOf(policy: Policy, tag: string): { users: Set<string>; groups: Set<string>; tags: Set<string> } {
  const out = { users: new Set<string>(), groups: new Set<string>(), tags: new Set<string>() };
  const queue = [tag];
  const seen = new Set(queue);
  for (let t = queue.shift(); t !== undefined; t = queue.shift()) {
    for (const owner of policy.tagOwners.get(t) ?? []) {
      if (owner.startsWith('group:')) out.groups.add(owner);
      else if (owner.startsWith('tag:')) {
        out.tags.add(owner);
        if (!seen.has(owner)) {
          seen.add(owner);
          queue.push(owner);
        }
      } else out.users.add(owner.replace(/@$/, ''));
    }
  }
  return out;
}

/**
 * Whether `device` may apply `tag`: an untagged device whose user owns the tag (directly, via a
 * group, or via the owners of an owning tag), or a tagged device carrying an owning tag.
 * Headscale flattens tag owners to their users and groups; Weft additionally honours the
 * Tailscale rule that a device tagged with an owner tag may apply the tag.
 * @example canApplyTag(policy, { name: 'ci', ips: [], tags: ['tag:ci'] }, 'tag:workload')
 */
export function canApplyTag(policy: Policy, device: Device, tag: string): boolean {
  if (!policy.tagOwners.has(tag)) return false;
  const owners = ownersOf(policy, tag);
  if (device.tags.length > 0) return device.tags.some((t) => owners.tags.has(t));
  const login = device.user;
  if (login === undefined) return false;
  if (owners.users.has(login)) return true;
  for (const g of owners.groups) if (policy.groups.get(g)?.includes(login)) return true;
  return false;
}
