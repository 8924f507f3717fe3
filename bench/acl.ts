/** npm run bench:acl — decisions per second of the Headscale ACL evaluator (pure, in-process, bounded). */
import { benchDecisions } from '../src/policy/acl/index.js';

const N = Number(process.env.BENCH_DECISIONS ?? 200_000);
benchDecisions(Math.min(N, 10_000)); // warm-up
const runs = [1, 2, 3].map(() => benchDecisions(N));
const perSecond = runs;
console.log('bench:acl results');
console.log(`  decisions per run    ${N}`);
console.log(`  decisions/second     ${perSecond.map((x) => Math.round(x).toLocaleString('en')).join(', ')} (best ${Math.round(Math.max(...perSecond)).toLocaleString('en')})`);
