/**
 * Registering juece's custom search attributes on a server: the dev server takes them as start flags, any other
 * server (the time-skipping test server, a production cluster) through the operator service.
 */
import type { Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { JUECE_SEARCH_ATTRIBUTES } from '../domain/searchAttributes';

/** `--search-attribute Name=Type` flags for `temporal server start-dev`. */
export function devServerSearchAttributeFlags(): string[] {
  const cliType = (t: string) => t.split('_').map((w) => w[0] + w.slice(1).toLowerCase()).join('');
  return JUECE_SEARCH_ATTRIBUTES.flatMap((k) => ['--search-attribute', `${k.name}=${cliType(k.type)}`]);
}

/**
 * Adds the search attributes through the operator service, one at a time so that those already there (a server
 * started by an earlier version of juece) do not stop the new ones from being added.
 */
export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  for (const k of JUECE_SEARCH_ATTRIBUTES) {
    try {
      await connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: { [k.name]: encodeSearchAttributeIndexedValueType(k.type)! },
      });
    } catch (err) {
      if (!/already exists/i.test(String((err as Error).message))) throw err;
    }
  }
}
