/**
 * The operator side of `npm run bench:artifacts`, in a worker thread: in a cluster the pod and the
 * operator are separate processes (usually machines), so the pod's CLI and the operator's route must
 * not share one JavaScript thread in the benchmark either. Serves the artifact routes on loopback,
 * writing to the store in `workerData`. The pod-token check of uploads is stubbed (a token is accepted
 * as the ServiceAccount it names: the bench has no pods); the history route is guarded for real
 * (TokenReview and SubjectAccessReview against the bench's apiserver). Posts its URL, closes on any message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { KubeConfig } from '@kubernetes/client-node';
import Fastify from 'fastify';
import { S3ArtifactStore, type S3StoreConfig } from '../src/artifacts/s3.js';
import { RestClient } from '../src/runtime/rest.js';
import { registerArtifactRoutes } from '../src/server/artifacts/routes.js';

const data = workerData as { kubeconfig: string; store: S3StoreConfig };
const store = new S3ArtifactStore(data.store);
const kc = new KubeConfig();
kc.loadFromFile(data.kubeconfig);
const app = Fastify();
registerArtifactRoutes(app, {
  rest: new RestClient(kc), // the history route's TokenReview and SubjectAccessReview
  storeFor: async () => store,
  verifier: { verify: async (token) => ({ namespace: 'bench', serviceAccount: token }) },
});
const url = await app.listen({ host: '127.0.0.1', port: 0 });
parentPort!.once('message', () => {
  void app.close().then(() => store.close()).then(() => parentPort!.close());
});
parentPort!.postMessage(url);
