import { z } from 'zod';

/**
 * networking.k8s.io/v1 Ingress and IngressClass: the fields Portcullis reads, with the checks the
 * API server makes on them (so `portcullis validate` finds offline what a write would refuse).
 * Unknown fields are ignored: these are Kubernetes' types, not ours. docs/ingress.md.
 */
export const INGRESS_API_VERSION = 'networking.k8s.io/v1';
/** spec.controller of an IngressClass whose Ingresses Portcullis serves. */
export const INGRESS_CONTROLLER = 'portcullis.dev/ingress-controller';
/** The jwt plugin configuration of every rule of an Ingress (the fields of a Route's spec.plugins.jwt). */
export const JWT_ANNOTATION = 'portcullis.dev/jwt';
/** Deprecated class annotation, read when spec.ingressClassName is absent. */
export const LEGACY_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
/** IngressClass annotation: the class of Ingresses that name none. */
export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';

/** DNS-1123 subdomain, optionally with one leading "*." label (the API server's rule for rules[].host). */
const HOST = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

const hostSchema = z
  .string()
  .max(253)
  .regex(HOST, 'must be a lower-case DNS name, optionally starting with "*." (a wildcard for one label)')
  .refine((h) => !IPV4.test(h) && !h.includes(':'), 'must be a DNS name, not an IP address');

const portSchema = z
  .object({
    number: z.number().int().min(1).max(65535).optional(),
    name: z.string().min(1).optional(),
  })
  .refine((p) => (p.number === undefined) !== (p.name === undefined), 'exactly one of number or name is required');

export const ingressBackendSchema = z
  .object({
    service: z.object({ name: z.string().min(1), port: portSchema }).optional(),
    resource: z.object({ apiGroup: z.string().optional(), kind: z.string().min(1), name: z.string().min(1) }).optional(),
  })
  .refine((b) => (b.service === undefined) !== (b.resource === undefined), 'exactly one of service or resource is required');
export type IngressBackend = z.output<typeof ingressBackendSchema>;

export const PATH_TYPES = ['Exact', 'Prefix', 'ImplementationSpecific'] as const;
export type PathType = (typeof PATH_TYPES)[number];

const pathSchema = z
  .object({
    path: z.string().optional(),
    pathType: z.enum(PATH_TYPES),
    backend: ingressBackendSchema,
  })
  .superRefine((p, ctx) => {
    if (p.path === undefined || p.path === '') {
      if (p.pathType !== 'ImplementationSpecific') ctx.addIssue({ code: 'custom', path: ['path'], message: `is required for pathType ${p.pathType}` });
      return;
    }
    if (!p.path.startsWith('/')) ctx.addIssue({ code: 'custom', path: ['path'], message: 'must be an absolute path (start with /)' });
    // The API server's checks for Exact and Prefix (ImplementationSpecific paths are free-form).
    else if (p.pathType !== 'ImplementationSpecific' && /\/\/|\/\.\.?(\/|$)|%2f|%2F/.test(p.path)) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: "must not contain '//', '/./', '/../' or '%2f'" });
    }
  });

const ruleSchema = z.object({
  host: hostSchema.optional(),
  http: z.object({ paths: z.array(pathSchema).min(1, 'at least one path is required') }).optional(),
});

const tlsSchema = z.object({
  hosts: z.array(hostSchema).optional(),
  secretName: z.string().optional(),
});

export const ingressSpecSchema = z
  .object({
    ingressClassName: z.string().min(1).optional(),
    defaultBackend: ingressBackendSchema.optional(),
    rules: z.array(ruleSchema).optional(),
    tls: z.array(tlsSchema).optional(),
  })
  .refine((s) => s.defaultBackend !== undefined || (s.rules?.length ?? 0) > 0, {
    message: 'either defaultBackend or rules must be specified',
    path: ['rules'],
  });
export type IngressSpec = z.output<typeof ingressSpecSchema>;

export const ingressClassSpecSchema = z.object({
  controller: z
    .string()
    .max(250)
    .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/\S+$/, 'must be a domain-prefixed path, e.g. portcullis.dev/ingress-controller'),
  parameters: z.unknown().optional(),
});

/** Which Ingresses a controller serves, besides those of its own IngressClasses (--ingress-class). */
export interface IngressSettings {
  /** Extra class names served whatever controller their IngressClass names (or when none exists). */
  classNames: readonly string[];
}
