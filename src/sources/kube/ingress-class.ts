import { DEFAULT_CLASS_ANNOTATION, INGRESS_CONTROLLER, LEGACY_CLASS_ANNOTATION, type IngressSettings } from '../../model/ingress.js';
import type { IngressClassObject, IngressObject } from './ingress-types.js';

/** The classes whose Ingresses this controller serves (docs/ingress.md#which-ingresses). */
export interface ServedClasses {
  names: ReadonlySet<string>;
  /** Ingresses without a class are ours: the one default IngressClass is ours. */
  servesClassless: boolean;
}

/**
 * PURE. Our classes: IngressClasses whose spec.controller is portcullis.dev/ingress-controller,
 * plus the names given with --ingress-class. Ingresses naming no class belong to the default
 * IngressClass (annotation ingressclass.kubernetes.io/is-default-class: "true"); with several
 * defaults there is none, as for the API server's admission plugin, so none of them is served.
 */
export function servedClasses(classes: readonly IngressClassObject[], settings: IngressSettings): ServedClasses {
  const names = new Set(settings.classNames);
  for (const c of classes) if (c.spec?.controller === INGRESS_CONTROLLER && c.metadata?.name) names.add(c.metadata.name);
  const defaults = classes.filter((c) => c.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true');
  const only = defaults.length === 1 ? defaults[0]!.metadata?.name : undefined;
  return { names, servesClassless: only !== undefined && names.has(only) };
}

/** spec.ingressClassName, else the deprecated kubernetes.io/ingress.class annotation, else none. */
export function ingressClassOf(ing: IngressObject): string | undefined {
  const spec = ing.spec as { ingressClassName?: unknown } | undefined;
  if (typeof spec?.ingressClassName === 'string' && spec.ingressClassName !== '') return spec.ingressClassName;
  const legacy = ing.metadata?.annotations?.[LEGACY_CLASS_ANNOTATION];
  return legacy === undefined || legacy === '' ? undefined : legacy;
}

export function isServed(ing: IngressObject, served: ServedClasses): boolean {
  const cls = ingressClassOf(ing);
  return cls === undefined ? served.servesClassless : served.names.has(cls);
}
