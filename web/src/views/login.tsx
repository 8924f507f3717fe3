import { useState } from 'preact/hooks';

/** Sign in with a Kubernetes bearer token (kept in this tab's sessionStorage only). */
export function Login(p: { message?: string; tls: boolean; onToken: (t: string) => Promise<string | undefined> }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const t = value.trim().replace(/^Bearer\s+/i, '');
    if (!t) return setError('Paste a token first.');
    setBusy(true);
    setError(await p.onToken(t));
    setBusy(false);
  };
  return (
    <main class="login">
      <form onSubmit={(e) => void submit(e)} aria-labelledby="h-login">
        <h1 id="h-login"><span class="logo" aria-hidden="true" /> Sign in to Weft</h1>
        {(error ?? p.message) && <p class="problem" role="alert" data-testid="login-error">{error ?? p.message}</p>}
        <label for="token">Kubernetes token</label>
        <textarea id="token" name="token" rows={4} autocomplete="off" spellcheck={false} value={value} onInput={(e) => setValue((e.target as HTMLTextAreaElement).value)} placeholder="eyJhbGciOi…" />
        <button type="submit" class="primary" disabled={busy}>{busy ? 'Checking…' : 'Sign in'}</button>
        <details>
          <summary>Where do I get a token?</summary>
          <ul>
            <li><code>weft up</code> prints one for a demo viewer and one for a demo admin.</li>
            <li>For a ServiceAccount: <code>kubectl create token NAME -n NAMESPACE</code>.</li>
            <li>What you may see and do follows your Kubernetes RBAC: viewers need <code>get</code>/<code>list</code> on the weft.dev resources.</li>
            {p.tls && <li>This operator serves HTTPS with mTLS: your browser also needs a client certificate from the operator CA (see docs/dashboard.md).</li>}
          </ul>
        </details>
        <p class="muted small">The token stays in this browser tab (sessionStorage) and is sent only to this operator.</p>
      </form>
    </main>
  );
}
