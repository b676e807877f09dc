import { CRD_API_VERSION } from '../../src/model/crds.js';
import { groupEndpointSlices, SERVICE_NAME_LABEL } from '../../src/sources/kube/kube-objects.js';
import type { IngressClassObject, IngressObject } from '../../src/sources/kube/ingress-types.js';
import type { CustomObject, EndpointSliceObject, SecretObject, ServiceObject, ToResourceSetInput } from '../../src/sources/kube/types.js';

/**
 * Sorts a flat list of Kubernetes objects (a manifest file, a golden-test input, an informer
 * cache dump) into the keyed maps toResourceSet expects. Objects it does not use are returned
 * in `ignored`. Missing namespaces mean "default", as with kubectl.
 */
export function inputFromObjects(objects: readonly unknown[]): { input: ToResourceSetInput; ignored: unknown[] } {
  const input = {
    consumers: [] as CustomObject[],
    credentials: [] as CustomObject[],
    routes: [] as CustomObject[],
    secrets: new Map<string, SecretObject>(),
    services: new Map<string, ServiceObject>(),
  };
  const slices: EndpointSliceObject[] = [];
  const ingresses: IngressObject[] = [];
  const ingressClasses: IngressClassObject[] = [];
  const ignored: unknown[] = [];
  for (const raw of objects) {
    const o = raw as { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string; labels?: Record<string, string> } };
    const ns = o.metadata?.namespace ?? 'default';
    const key = `${ns}/${o.metadata?.name ?? ''}`;
    switch (`${o.apiVersion}|${o.kind}`) {
      case `${CRD_API_VERSION}|KongConsumer`:
        input.consumers.push(o as CustomObject);
        break;
      case `${CRD_API_VERSION}|JwtCredential`:
        input.credentials.push(o as CustomObject);
        break;
      case `${CRD_API_VERSION}|Route`:
        input.routes.push(o as CustomObject);
        break;
      case 'v1|Secret':
        input.secrets.set(key, o as SecretObject);
        break;
      case 'v1|Service':
        input.services.set(key, o as ServiceObject);
        break;
      case 'discovery.k8s.io/v1|EndpointSlice':
        if (o.metadata?.labels?.[SERVICE_NAME_LABEL]) slices.push(o as EndpointSliceObject);
        else ignored.push(raw);
        break;
      case 'networking.k8s.io/v1|Ingress':
        ingresses.push({ ...(o as IngressObject), metadata: { namespace: ns, ...o.metadata } });
        break;
      case 'networking.k8s.io/v1|IngressClass':
        ingressClasses.push(o as IngressClassObject);
        break;
      default:
        ignored.push(raw);
    }
  }
  // Ingress kinds only when present: inputs without them read as before (no --ingress).
  const ingress = ingresses.length + ingressClasses.length > 0 ? { ingresses, ingressClasses } : {};
  return { input: { ...input, endpointSlices: groupEndpointSlices(slices, 'default'), ...ingress }, ignored };
}
