import type { Diagnostic, ObjectRef } from '../../model/diagnostics.js';

/** Collects per-entity diagnostics for one file; every entity ref carries the file and path. */
export class Reporter {
  readonly diagnostics: Diagnostic[] = [];
  constructor(readonly file: string) {}

  ref(kind: string, name: string, path: string): ObjectRef {
    return { kind, name, file: this.file, path };
  }

  error(object: ObjectRef, reason: string, message: string, field?: string): void {
    this.diagnostics.push(field === undefined ? { severity: 'error', object, reason, message } : { severity: 'error', object, field, reason, message });
  }

  warn(object: ObjectRef, reason: string, message: string, field?: string): void {
    this.diagnostics.push(field === undefined ? { severity: 'warning', object, reason, message } : { severity: 'warning', object, field, reason, message });
  }
}
