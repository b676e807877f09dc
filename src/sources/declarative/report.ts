import { DiagnosticCollector, type ObjectRef } from '../../model/diagnostics.js';
import type { ErrorReason } from '../../model/reasons.js';

/** Collects per-entity diagnostics for one file; every entity ref carries the file and path. */
export class Reporter extends DiagnosticCollector {
  constructor(readonly file: string) {
    super();
  }

  ref(kind: string, name: string, path: string): ObjectRef {
    return { kind, name, file: this.file, path };
  }
}
