import { KONG_NAMESPACE, uuidv5 } from '../../model/ids.js';

/** Namespace for ids of things that exist only in controller mode (routes, their services and plugins). */
const KUBE_NAMESPACE = uuidv5(KONG_NAMESPACE, 'portcullis.dev');

/** e.g. kubeId('route', 'demo', 'my-api', 'jwt') = uuidv5 of "route:demo/my-api:jwt". */
export function kubeId(kind: string, namespace: string, name: string, suffix?: string): string {
  return uuidv5(KUBE_NAMESPACE, `${kind}:${namespace}/${name}${suffix === undefined ? '' : `:${suffix}`}`);
}
