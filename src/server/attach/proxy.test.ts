import { upstreamHeaders } from './proxy.js';
import { attachGrant } from './routes.js';

describe('attach proxy', () => {
  it("drops the caller's credentials, cookies and Origin; sends the operator's session and the pod's Host", () => {
    const h = upstreamHeaders(
      { authorization: 'Bearer user-token', cookie: 'other=1', origin: 'http://127.0.0.1:5555', host: 'operator:8080', 'x-forwarded-for': '1.2.3.4', accept: 'text/html', 'sec-websocket-key': 'k' },
      { host: '10.0.0.5', port: 13337, path: '/', cookie: 'code-server-session=abc' },
    );
    expect(h).toEqual({ accept: 'text/html', 'sec-websocket-key': 'k', host: '10.0.0.5:13337', cookie: 'code-server-session=abc' });
  });

  it('says how to grant attach, to a user or a ServiceAccount', () => {
    expect(attachGrant('team', 'fix', 'alice')).toMatch(/^kubectl create role weft-attach -n team --verb=attach --resource=agenttasks\.weft\.dev --resource-name=fix && kubectl create rolebinding weft-attach -n team --role=weft-attach --user=alice/);
    expect(attachGrant('team', 'fix', 'system:serviceaccount:ci:bot')).toContain('--serviceaccount=ci:bot');
  });
});
