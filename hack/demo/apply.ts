// Server-side applies Kubernetes manifests without kubectl, with the kubeconfig in KUBECONFIG:
//
//   KUBECONFIG=… hack/with-node node hack/demo/apply.ts manifests/samples/rule-velocity.yaml
//   KUBECONFIG=… hack/with-node node hack/demo/apply.ts manifests/samples
//
// A folder means its *.yaml files (its kustomization.yaml aside).
import { applyManifests, readManifests } from './kube.ts';

const paths = process.argv.slice(2);
const kubeconfig = process.env.KUBECONFIG;
if (paths.length === 0 || !kubeconfig) {
  console.error('usage: KUBECONFIG=<file> hack/demo/apply.ts <manifest.yaml|folder>…');
  process.exit(2);
}
try {
  for (const obj of await applyManifests(kubeconfig, readManifests(paths))) {
    const ns = obj.metadata?.namespace ? `${obj.metadata.namespace}/` : '';
    console.log(`${obj.kind ?? '?'} ${ns}${obj.metadata?.name ?? '?'} applied`);
  }
} catch (err) {
  console.error(`apply failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
