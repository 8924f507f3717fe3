import { describePermission, READ_API } from './access.js';
import { howToGrant } from './guard.js';

describe('describePermission', () => {
  it.each([
    [READ_API.nodes[0]!, 'list meshnodes.weft.dev'],
    [READ_API.clusters[0]!, 'list orgclusters.weft.dev in all namespaces'],
    [READ_API.pods()[1]!, 'list orgclusters/pods.weft.dev in all namespaces'],
    [READ_API.pods('team-a')[1]!, 'list orgclusters/pods.weft.dev in namespace "team-a"'],
    [{ verb: 'list', resource: 'pods', group: '' }, 'list pods'],
  ])('%j → %s', (p, want) => expect(describePermission(p)).toBe(want));
});

describe('howToGrant', () => {
  const sa = { username: 'system:serviceaccount:team-a:ci', groups: [] };
  const alice = { username: 'alice@example.com', groups: [] };
  it.each([
    ['a read, cluster-wide, to a user', alice, READ_API.nodes[0]!, 'kubectl create clusterrolebinding alice-example-com-weft-viewer --clusterrole=weft-viewer --user=alice@example.com'],
    ['a read in a namespace, to a ServiceAccount', sa, READ_API.pods('team-a')[1]!, 'kubectl create rolebinding ci-weft-viewer -n team-a --clusterrole=weft-viewer --serviceaccount=team-a:ci'],
    ['a write', sa, { verb: 'patch', resource: 'meshnodes', name: 'n1' }, 'kubectl create clusterrolebinding ci-weft-editor --clusterrole=weft-editor --serviceaccount=team-a:ci'],
  ])('%s', (_name, user, p, want) => expect(howToGrant(user, p)).toBe(want));
});
