import { render } from 'preact';
import { App } from './app.tsx';
import { token } from './api.ts';
import { prefetch } from './data.ts';
import { apiPathFor, parseRoute } from './route.ts';
import './styles.css';

// The page's data and the sign-in check travel together: one round trip less before the first render.
const first = apiPathFor(parseRoute(location.pathname, location.search));
if (first && (token.get() || location.protocol === 'https:')) prefetch(first);

render(<App />, document.getElementById('app')!);
