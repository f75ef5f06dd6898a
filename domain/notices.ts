/**
 * Public notices: what the government website's publisher receives over NATS (and, on embedded defaults, what lands
 * in the outbox folder), each rendered as a document in Chinese from the templates below.
 */
import { z } from 'zod';

export const NOTICES_STREAM = 'JUECE_NOTICES';
export const NOTICES_SUBJECT_PREFIX = 'juece.notices';

/** The kinds of notice, each with its template and legal basis. */
export const NoticeKindSchema = z.enum(['enforcement', 'consultation', 'hearing', 'decision', 'catalog', 'catalogChange']);
export type NoticeKind = z.infer<typeof NoticeKindSchema>;

export const NoticeSchema = z.object({
  schema: z.literal('juece.notice.v1'),
  /** Absent in notices recorded before there were several kinds: those were enforcement decisions. */
  kind: NoticeKindSchema.default('enforcement'),
  action: z.enum(['publish', 'takeDown']),
  authority: z.string(),
  /** The authority's name as it signs the notice. */
  authorityName: z.string().optional(),
  /** The case or decision the notice is about. */
  subjectId: z.string(),
  title: z.string(),
  documentNumber: z.string(),
  /** The text as published (personal data already redacted), or the reason it is taken down. */
  body: z.string(),
  /** Further facts the template places (dates, place, period), by name. */
  facts: z.record(z.string(), z.string()).optional(),
  at: z.string(),
  workflowId: z.string(),
});
export type Notice = z.input<typeof NoticeSchema>;
/** A notice rendered from its template: what the publisher prints. */
export const RenderedNoticeSchema = z.object({ title: z.string(), text: z.string() });
/** A notice as published on NATS: the notice and its rendered document. */
export const PublishedNoticeSchema = NoticeSchema.extend({ document: RenderedNoticeSchema });
/**
 * A notice as the public reads it (GET /notices/<authority>): as published, without the workflow's id. Notices
 * published before there were templates carry no document (and were all enforcement decisions: `kind`'s default).
 */
export const PublicNoticeSchema = PublishedNoticeSchema.omit({ workflowId: true }).extend({ document: RenderedNoticeSchema.optional() });

/** `juece.notices.<authority>.<subjectId>.<action>`. */
export const noticeSubject = (n: Pick<Notice, 'authority' | 'subjectId' | 'action'>) =>
  `${NOTICES_SUBJECT_PREFIX}.${n.authority}.${n.subjectId}.${n.action}`;

/** A retried delivery of the same notice counts once (enforcement notices keep their first id form). */
export const noticeMessageId = (n: z.output<typeof NoticeSchema>) =>
  n.kind === 'enforcement'
    ? `${n.workflowId}/${n.action}`
    : n.kind === 'catalogChange'
      ? `${n.workflowId}/${n.subjectId}/${n.kind}/${n.action}` // one notice per adjustment, each its own subject id
      : `${n.workflowId}/${n.kind}/${n.action}`;

const BASIS: Record<NoticeKind, string> = {
  enforcement: '《国务院办公厅关于全面推行行政执法公示制度执法全过程记录制度重大执法决定法制审核制度的指导意见》（国办发〔2018〕118号）',
  consultation: '《重大行政决策程序暂行条例》第十五条',
  hearing: '《重大行政决策程序暂行条例》第十六条、第十七条',
  decision: '《重大行政决策程序暂行条例》第三十二条',
  catalog: '《重大行政决策程序暂行条例》第三条；推行重大决策事项年度目录公开制度',
  catalogChange: '《重大行政决策程序暂行条例》第三条（决策事项目录根据实际情况调整）',
};

/** The document as published: a title, and its text in Chinese with the notice's legal basis and signature. */
export function renderNotice(input: Notice): z.infer<typeof RenderedNoticeSchema> {
  const n = NoticeSchema.parse(input);
  const f = n.facts ?? {};
  const signed = [n.authorityName ?? n.authority, f.date ?? n.at.slice(0, 10)].join('\n');
  if (n.action === 'takeDown') {
    const title = `关于撤下《${n.title}》公示信息的公告`;
    return { title, text: `${title}\n\n原公示的《${n.title}》（${n.documentNumber}）现予撤下。\n理由：${n.body}\n\n${signed}\n` };
  }
  let title: string;
  let lines: string[];
  switch (n.kind) {
    case 'consultation':
      // 补录: a consultation held elsewhere, recorded after the fact with its original notice.
      if (f.retroactiveReference) {
        title = `关于《${n.title}（征求意见稿）》公开征求意见情况的补录公告`;
        lines = [
          `《${n.title}（征求意见稿）》已于 ${f.noticeDate} 以${f.retroactiveReference}${f.heldAt ? `在${f.heldAt}` : ''}向社会公开征求意见，现予补录。`,
          `征求意见期间：${f.openedOn} 至 ${f.closesOn}（${f.periodDays}日）。${f.urgencyReason ? `因${f.urgencyReason}，征求意见期限少于三十日。` : ''}`,
          '意见采纳情况将予以说明。',
          n.body,
        ];
        break;
      }
      title = `关于《${n.title}（征求意见稿）》公开征求意见的公告`;
      lines = [
        `现将《${n.title}（征求意见稿）》向社会公开征求意见。`,
        `征求意见期间：${f.openedOn} 至 ${f.closesOn}（${f.periodDays}日）。${f.urgencyReason ? `因${f.urgencyReason}，征求意见期限少于三十日。` : ''}`,
        '公众可通过本机关门户网站、信函等方式提出意见，意见采纳情况将予以说明。',
        n.body,
      ];
      break;
    case 'hearing':
      title = `关于《${n.title}》举行听证会的公告`;
      lines = [
        `本机关定于 ${f.hearingDate} 在${f.place}就《${n.title}》举行听证会。`,
        `听证参加人遴选办法：${f.participantSelection}`,
        `决策草案及其说明等材料已于 ${f.materialsDeliveredOn} 送达听证参加人。`,
        n.body,
      ];
      break;
    case 'decision':
      title = `关于公布《${n.title}》的公告`;
      lines = [`《${n.title}》已经集体讨论决定，现予公布（${n.documentNumber}）。`, n.body];
      break;
    case 'catalog':
      title = `关于公布《${n.title}》的公告`;
      lines = [
        `《${n.title}》已经${f.agreedBy}同意（${f.approvalReference}，${f.agreedOn}），现予公布（${n.documentNumber}）。`,
        `本目录共列入重大行政决策事项 ${f.items} 项：`,
        n.body,
        '目录外事项确需决策的，应当说明理由；目录在年度中根据实际情况调整的，调整情况另行公布。',
      ];
      break;
    case 'catalogChange':
      title = `关于调整《${n.title}》的公告`;
      lines = [`现对《${n.title}》（${n.documentNumber}）作如下调整：`, n.body, `调整理由：${f.reason}`];
      break;
    default:
      title = `行政执法决定公示：${n.title}`;
      lines = [`决定文书号：${n.documentNumber}`, n.body];
  }
  const text = [title, '', ...lines.filter(Boolean), '', `依据：${BASIS[n.kind]}`, '', signed, ''].join('\n');
  return { title, text };
}
