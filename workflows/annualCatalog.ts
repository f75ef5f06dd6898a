/**
 * annualCatalog: one authority's catalog of major decision matters for one year (重大行政决策事项年度目录; Decree 713
 * art. 3, seed 004, seed 000). Drafted, submitted to the party committee at the same level, its agreement recorded,
 * published as a notice; adjusted during the year (an item added or removed, each with its reason, each published);
 * told of every decision that starts on one of its items or off-catalog; closed at the end of 31 December (Beijing
 * time) or explicitly, listing the items never started and the decisions made off-catalog.
 */
import { allHandlersFinished, condition, continueAsNew, log, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import {
  CATALOG_BASIS,
  catalogRecordId,
  DecisionStartedSchema,
  CATALOG_ACTIONS,
  StartCatalogSchema,
  yearEndsAt,
  type CatalogEntry,
  type CatalogItem,
  type CatalogState,
  type CatalogStatus,
  type DecisionStarted,
  type StartCatalog,
  type YearEnd,
} from '../domain/catalog';
import { shanghaiDate } from '../domain/procedure';
import type { StepAck } from '../domain/schemas';
import { io, parseInput } from './io';
import { catalogActions as A, catalogDecisionStarted, catalogDecisionStartedSignal, catalogStatusQuery } from './messages';
import { ProcedureRecord, refuse, type CarriedRecord } from './procedureRecord';

const { deliverNotice } = io;

/** A run continues as new long before Temporal's 2,000 Updates. */
const ACTIONS_PER_RUN = 500;

class CatalogRecord extends ProcedureRecord {
  state: CatalogState = 'drafting';
  protected where() {
    return { status: this.state, openSteps: [] };
  }
}

interface CarriedCatalog {
  record: CarriedRecord;
  state: CatalogState;
  items: CatalogEntry[];
  approval?: CatalogStatus['approval'];
  publishedOn?: string;
  documentNumber?: string;
  changes: number;
  offCatalog: CatalogStatus['offCatalog'];
}

const itemLine = (i: CatalogItem, n?: number) =>
  `${n === undefined ? '' : `${n}. `}${i.title}（事项编号 ${i.itemId}；承办单位：${i.undertakingUnit}；计划第${i.plannedQuarter}季度提请决策；依据：${i.basis}）`;

export async function annualCatalog(input: StartCatalog): Promise<CatalogStatus> {
  const c = parseInput(StartCatalogSchema, input, 'catalog', 'InvalidCatalog');
  const carried = c.carried as CarriedCatalog | undefined;
  const { authority, year } = c;
  const title = `${authority.name}${year}年度重大行政决策事项目录`;
  const rec = new CatalogRecord('catalog', catalogRecordId(authority.code, year), authority.code, carried?.record);
  rec.state = carried?.state ?? 'drafting';
  const items = new Map<string, CatalogEntry>((carried?.items ?? []).map((i) => [i.itemId, i]));
  let approval = carried?.approval;
  let publishedOn = carried?.publishedOn;
  let documentNumber = carried?.documentNumber;
  let changes = carried?.changes ?? 0;
  const offCatalog = [...(carried?.offCatalog ?? [])];
  let yearEnd: YearEnd | undefined;
  let busy = false; // a notice is being delivered

  const listed = () => [...items.values()].filter((i) => i.status === 'listed');
  const status = (): CatalogStatus => ({
    authority,
    year,
    state: rec.state,
    items: [...items.values()],
    approval,
    publishedOn,
    documentNumber,
    changes,
    offCatalog: [...offCatalog],
    yearEnd,
    events: rec.events,
    history: rec.entries(),
  });
  const notice = (kind: 'catalog' | 'catalogChange', subjectId: string, body: string, facts: Record<string, string>) => ({
    schema: 'juece.notice.v1' as const,
    kind,
    action: 'publish' as const,
    authority: authority.code,
    authorityName: authority.name,
    subjectId,
    title,
    documentNumber: documentNumber!,
    body,
    facts: { date: shanghaiDate(Date.now()), ...facts },
    at: new Date().toISOString(),
    workflowId: workflowInfo().workflowId,
  });
  const ack = (type: Parameters<CatalogRecord['record']>[0], e: Parameters<CatalogRecord['record']>[1]): StepAck => {
    const entry = rec.record(type, e);
    return { seq: entry.seq, summary: entry.summary };
  };
  const must = (state: CatalogState, what: string) => {
    if (busy) throw refuse(`${what}: a notice of the catalog is being published; try again.`);
    if (rec.state !== state) throw refuse(`${what}: the catalog is ${rec.state}, not ${state}.`);
  };
  const close = (by: YearEnd['by'], reason: string, actor?: CatalogStatus['history'][number]['actor']): StepAck => {
    const wasPublished = publishedOn !== undefined;
    const neverStarted = wasPublished
      ? listed()
          .filter((i) => i.decisions.length === 0)
          .map(({ itemId, title, undertakingUnit, plannedQuarter }) => ({ itemId, title, undertakingUnit, plannedQuarter }))
      : [];
    yearEnd = { closedAt: new Date().toISOString(), by, neverStarted, offCatalog: [...offCatalog] };
    rec.state = 'closed';
    const summary = `${year} catalog closed (${by === 'yearEnd' ? '31 December passed' : reason})${wasPublished ? '' : ', never published'}: ${neverStarted.length} item(s) never started${neverStarted.length ? ` (${neverStarted.map((i) => i.itemId).join(', ')})` : ''}, ${offCatalog.length} decision(s) off-catalog${offCatalog.length ? ` (${offCatalog.map((d) => d.decisionId).join(', ')})` : ''}`;
    return ack('catalogClosed', { actor, summary, basis: CATALOG_BASIS.yearly, details: { ...yearEnd, reason } });
  };

  setHandler(catalogStatusQuery, status);

  rec.onUpdate(A.draftCatalog, CATALOG_ACTIONS.draftCatalog.schema, (d) => {
    must('drafting', 'The catalog cannot be drafted');
    return () => {
      items.clear();
      for (const i of d.items) items.set(i.itemId, { ...i, status: 'listed', origin: 'catalog', decisions: [] });
      return ack('catalogDrafted', { actor: d.actor, summary: `draft of ${d.items.length} matter(s): ${d.items.map((i) => i.itemId).join(', ')}`, basis: CATALOG_BASIS.catalog, details: { items: d.items } });
    };
  });
  rec.onUpdate(A.submitCatalog, CATALOG_ACTIONS.submitCatalog.schema, (s) => {
    must('drafting', 'The catalog cannot be submitted');
    if (items.size === 0) throw refuse('The catalog cannot be submitted: it lists no matter yet (draftCatalog).');
    return () => {
      rec.state = 'submitted';
      return ack('catalogSubmitted', { actor: s.actor, summary: `${items.size} matter(s) submitted on ${s.submittedOn} to the party committee at the same level for its agreement`, basis: CATALOG_BASIS.catalog, details: { submittedOn: s.submittedOn } });
    };
  });
  rec.onUpdate(A.recordApproval, CATALOG_ACTIONS.recordApproval.schema, (a) => {
    must('submitted', 'The agreement cannot be recorded');
    return () => {
      approval = { agreedBy: a.agreedBy, agreedOn: a.agreedOn, reference: a.reference };
      rec.state = 'approved';
      return ack('catalogApproved', { actor: a.actor, summary: `agreed by ${a.agreedBy} on ${a.agreedOn} (${a.reference})`, basis: CATALOG_BASIS.catalog, details: { ...approval } });
    };
  });
  rec.onUpdate(A.publishCatalog, CATALOG_ACTIONS.publishCatalog.schema, (p) => {
    must('approved', 'The catalog cannot be published');
    return async () => {
      busy = true;
      documentNumber = p.documentNumber;
      const all = listed();
      try {
        await deliverNotice(
          notice('catalog', `catalog-${year}`, all.map((i, n) => itemLine(i, n + 1)).join('\n'), {
            agreedBy: approval!.agreedBy,
            agreedOn: approval!.agreedOn,
            approvalReference: approval!.reference,
            items: String(all.length),
          }),
        );
      } finally {
        busy = false;
      }
      publishedOn = shanghaiDate(Date.now());
      rec.state = 'published';
      return ack('catalogPublished', { actor: p.actor, summary: `catalog ${p.documentNumber} of ${all.length} matter(s) published on ${publishedOn}`, basis: CATALOG_BASIS.catalog, details: { documentNumber: p.documentNumber, publishedOn, items: all.map((i) => i.itemId) } });
    };
  });
  const change = async (body: string, reason: string): Promise<number> => {
    busy = true;
    const n = changes + 1;
    try {
      await deliverNotice(notice('catalogChange', `catalog-${year}-change-${n}`, body, { reason, change: String(n) }));
    } finally {
      busy = false;
    }
    changes = n;
    return n;
  };
  rec.onUpdate(A.addCatalogItem, CATALOG_ACTIONS.addCatalogItem.schema, (a) => {
    must('published', 'No item can be added');
    if (items.has(a.item.itemId)) throw refuse(`The catalog already has an item ${a.item.itemId}${items.get(a.item.itemId)!.status === 'removed' ? ' (removed; an item id is not reused)' : ''}.`);
    return async () => {
      const n = await change(`增列事项：${itemLine(a.item)}`, a.reason);
      items.set(a.item.itemId, { ...a.item, status: 'listed', origin: 'adjustment', addedReason: a.reason, decisions: [] });
      return ack('catalogItemAdded', { actor: a.actor, summary: `item ${a.item.itemId} added (adjustment ${n}): ${a.reason}`, basis: CATALOG_BASIS.catalog, details: { item: a.item, reason: a.reason, change: n } });
    };
  });
  rec.onUpdate(A.removeCatalogItem, CATALOG_ACTIONS.removeCatalogItem.schema, (r) => {
    must('published', 'No item can be removed');
    const item = items.get(r.itemId);
    if (!item) throw refuse(`The catalog has no item ${r.itemId}.`);
    if (item.status === 'removed') throw refuse(`Item ${r.itemId} was removed already (${item.removedReason}).`);
    return async () => {
      const n = await change(`删除事项：${itemLine(item)}`, r.reason);
      item.status = 'removed';
      item.removedReason = r.reason;
      const started = item.decisions.length ? `; decisions already started on it: ${item.decisions.join(', ')}` : '';
      return ack('catalogItemRemoved', { actor: r.actor, summary: `item ${r.itemId} removed (adjustment ${n}): ${r.reason}${started}`, basis: CATALOG_BASIS.catalog, details: { itemId: r.itemId, reason: r.reason, change: n, decisions: item.decisions } });
    };
  });
  rec.onUpdate(A.closeCatalog, CATALOG_ACTIONS.closeCatalog.schema, (x) => {
    if (busy) throw refuse('The catalog cannot be closed: a notice of the catalog is being published; try again.');
    if (rec.state === 'closed') throw refuse('The catalog is closed already.');
    return () => close('explicit', x.reason, x.actor);
  });
  /** A decision started on one of the items, or off-catalog with its reason: refused (throws) or the change to note it. */
  const noteDecision = (d: DecisionStarted): (() => StepAck) => {
    if (rec.state === 'closed') throw refuse(`${authority.code}'s ${year} catalog is closed.`);
    if (d.itemId !== undefined && !items.has(d.itemId)) throw refuse(`${authority.code}'s ${year} catalog has no item ${d.itemId}.`);
    if (d.itemId !== undefined && items.get(d.itemId)!.decisions.includes(d.decisionId)) throw refuse(`decision ${d.decisionId} is noted on item ${d.itemId} already.`);
    if (d.offCatalogReason !== undefined && offCatalog.some((o) => o.decisionId === d.decisionId)) throw refuse(`decision ${d.decisionId} is noted off-catalog already.`);
    return () => {
      if (d.itemId !== undefined) {
        const item = items.get(d.itemId)!;
        item.decisions.push(d.decisionId);
        const note = item.status === 'removed' ? ' (the item had been removed meanwhile)' : '';
        return ack('catalogItemStarted', { summary: `decision ${d.decisionId} started on item ${d.itemId}${note}`, basis: CATALOG_BASIS.catalog, details: { decisionId: d.decisionId, title: d.title, itemId: d.itemId } });
      }
      offCatalog.push({ decisionId: d.decisionId, title: d.title, reason: d.offCatalogReason!, at: new Date().toISOString() });
      return ack('offCatalogDecisionStarted', { summary: `decision ${d.decisionId} started outside the catalog: ${d.offCatalogReason}`, basis: CATALOG_BASIS.offCatalog, details: { decisionId: d.decisionId, title: d.title, reason: d.offCatalogReason } });
    };
  };
  // The decision's workflow tells its catalog itself (a signal, sent by its first workflow task: nothing lost if the
  // client stops after the start); a repeat or a closed catalog changes nothing.
  setHandler(catalogDecisionStartedSignal, (raw) => {
    const d = DecisionStartedSchema.safeParse(raw);
    if (!d.success) return log.warn('catalog: a decisionStarted signal that is not valid, ignored', { error: d.error.message });
    let note: () => StepAck;
    try {
      note = noteDecision(d.data);
    } catch (err) {
      return log.info('catalog: decisionStarted not noted', { decisionId: d.data.decisionId, reason: (err as Error).message });
    }
    note();
    rec.actionsThisRun++;
  });
  // Catalogs told by the client (decisions started before the `catalog-told-by-decision` patch) replay through this Update.
  rec.onUpdate(catalogDecisionStarted, DecisionStartedSchema, noteDecision);

  if (!carried) {
    rec.record('catalogOpened', { summary: `${title}: drafting`, basis: CATALOG_BASIS.yearly, details: { title, year } });
  }

  // Until the close (explicit, or the timer at the end of 31 December Beijing time), continuing as new at a quiet moment.
  const due = () => workflowInfo().continueAsNewSuggested || rec.actionsThisRun >= ACTIONS_PER_RUN;
  const quiet = () => allHandlersFinished() && !busy && rec.publishingIdle;
  const closed = () => rec.state === 'closed';
  for (;;) {
    const remaining = yearEndsAt(year).getTime() - Date.now();
    if (!closed() && !due() && remaining > 0) await condition(() => closed() || due(), remaining);
    if (closed()) break;
    if (!due()) {
      await condition(() => !busy || closed()); // a notice in flight is published before the close
      if (!closed()) close('yearEnd', '31 December passed');
      break;
    }
    rec.pausePublishing();
    await condition(quiet);
    await sleep(1); // Updates that arrive with the timer's activation are handled before the new run is asked for
    await condition(quiet);
    if (closed()) break;
    await continueAsNew<typeof annualCatalog>({
      authority,
      year,
      carried: { record: rec.carry(), state: rec.state, items: [...items.values()], approval, publishedOn, documentNumber, changes, offCatalog } satisfies CarriedCatalog,
    });
  }
  await condition(allHandlersFinished);
  await rec.flushed();
  return status();
}
