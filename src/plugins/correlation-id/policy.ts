import type { CorrelationIdConfig } from '../../model/correlation-id-config.js';
import type { CorrelationIdPolicy } from '../../snapshot/types.js';
import { GENERATORS } from './generators.js';

export function compileCorrelationId(pluginId: string, config: CorrelationIdConfig): CorrelationIdPolicy {
  const generate = GENERATORS[config.generator];
  return {
    pluginId,
    config,
    header: config.headerName.toLowerCase(),
    echo: config.echoDownstream,
    resolve(clientValue, socket) {
      if (clientValue !== undefined && clientValue !== '') return { id: clientValue, generated: false };
      return { id: generate(socket), generated: true };
    },
  };
}
