/**
 * `juece calendar`: the working-day calendar as loaded, and telling running workflows about a new schedule.
 *   juece calendar status     what is published, provisional, and which regional calendars exist
 *   juece calendar announce   after adding calendars/national/<year>.json: every running workflow whose deadline is
 *                             provisional recomputes it (needs TEMPORAL_ADDRESS)
 * Exit codes: 0 done, 1 the server could not be reached, 2 bad input.
 */
import { JueceClient } from '../client';
import { loadCalendars } from '../infra/calendarData';
import { loadConfig } from '../infra/config';

async function main() {
  const [command] = process.argv.slice(2);
  const cfg = loadConfig();
  if (command === 'status') {
    const set = loadCalendars(cfg.calendarDir);
    console.log(`calendar folder: ${cfg.calendarDir ?? '(built in) calendars/'}`);
    console.log(`published national schedules through ${set.lastPublishedYear}; later years are provisional`);
    console.log(`jurisdictions: ${set.jurisdictions.join(', ')}`);
    console.log(`data version: ${set.version}`);
    return;
  }
  if (command === 'announce') {
    loadCalendars(cfg.calendarDir); // a bad new file stops here, before any workflow is told
    const client = await JueceClient.connect({ address: cfg.temporalAddress, namespace: cfg.namespace, taskQueue: cfg.taskQueue });
    try {
      const told = await client.announceCalendarUpdate();
      for (const id of told) console.log(`told ${id}`);
      console.log(`${told.length} running workflow(s) with a provisional deadline told to recompute it`);
    } finally {
      await client.close();
    }
    return;
  }
  console.error(`juece calendar: ${command ? `unknown command "${command}"` : 'a command is required'}\nUsage: juece calendar (status | announce)`);
  process.exit(2);
}

main().catch((err) => {
  console.error(`juece calendar: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
