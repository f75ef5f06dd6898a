/**
 * A consultation's comments as they arrive at scale (公开征求意见), generated so that what dedup and grouping must
 * give is known without storing them: comment i is a pure function of i.
 *  - 30%: a campaign (集中反映的意见): one of CAMPAIGNS texts, a few much larger than the rest (weights 1/(k+1)),
 *    each comment from its own submitter; every third in full-width digits and punctuation (one group after folding);
 *  - 10%: a common short text (e.g. "同意") among POOL, each from its own submitter (many of them reach 20: campaigns);
 *  - 45%: a comment of its own, 60 to 250 characters;
 *  - 15%: a resubmission: the same submitter and text as a comment up to 1,000 before, with spaces around it or
 *    its digits full-width (folded away: a duplicate, not counted again).
 */
import type { Comment } from '../store/comments';

export const CAMPAIGNS = 200;
export const POOL = 20_000;

/** A 32-bit mix of i and a salt (deterministic, well spread). */
function h(i: number, salt: number): number {
  let x = (i ^ Math.imul(salt, 0x9e3779b1)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d) >>> 0;
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** Campaign k's share, cumulated: weights 1/(k+1), normalised. */
const cumulative = (() => {
  const w = Array.from({ length: CAMPAIGNS }, (_, k) => 1 / (k + 1));
  const sum = w.reduce((a, b) => a + b, 0);
  let acc = 0;
  return w.map((x) => (acc += x / sum));
})();
function campaignOf(u: number): number {
  let lo = 0;
  let hi = CAMPAIGNS - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid]! < u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const PHRASES = [
  '建议进一步明确适用范围，', '对低收入群体应给予优惠，', '调整幅度过大，建议分步实施，', '希望公开成本测算依据，',
  '建议延长过渡期，', '应当听取沿线居民意见，', '支持方案的总体方向，', '请说明与现行规定的衔接，',
  '建议增设听证环节，', '老年人乘车政策应同步落实，', '换乘优惠需要细化，', '对学生群体的影响需评估，',
];

export type Kind = 'campaign' | 'pool' | 'own' | 'resubmission';

export function kindOf(i: number): Kind {
  const k = h(i, 1) % 100;
  if (k < 30) return 'campaign';
  if (k < 40) return 'pool';
  if (k < 85 || i < 1000) return 'own';
  return 'resubmission';
}

const campaignText = (k: number) => `关于第${k + 1}号联名意见：反对在学校周边设置夜间施工许可，建议改为22:00前完工，并公开施工计划。`;
const fullWidth = (s: string) => s.replace(/[0-9:,]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

/** Which text, as an index among the texts of its kind (campaign k, pool text p, or comment i's own). */
export function textOf(i: number): { kind: Exclude<Kind, 'resubmission'>; n: number } {
  const kind = kindOf(i);
  if (kind === 'resubmission') return textOf(originalOf(i));
  if (kind === 'campaign') return { kind, n: campaignOf(h(i, 2) / 2 ** 32) };
  if (kind === 'pool') return { kind, n: h(i, 3) % POOL };
  return { kind, n: i };
}

/** The comment a resubmission repeats (itself a first submission). */
export function originalOf(i: number): number {
  let j = i;
  while (kindOf(j) === 'resubmission') j = j - 1 - (h(j, 4) % 1000);
  return j;
}

const CHANNELS = ['web', 'web', 'web', 'email', 'letter'] as const;

export function commentAt(i: number): Comment {
  const o = originalOf(i);
  const t = textOf(o);
  let text: string;
  if (t.kind === 'campaign') text = o % 3 === 0 ? fullWidth(campaignText(t.n)) : campaignText(t.n);
  else if (t.kind === 'pool') text = `同意方案第${t.n}项`;
  else {
    const parts = [`个人意见${o}：`];
    for (let p = 0, len = 60 + (h(o, 5) % 190); parts.join('').length < len; p++) parts.push(PHRASES[h(o, 6 + p) % PHRASES.length]!);
    text = parts.join('');
  }
  // A resubmission: the same text, spaced or cased differently (folded away), from the same submitter.
  if (o !== i) text = i % 2 ? `\t ${text}  ` : fullWidth(text);
  return { submitter: `web-${o.toString(16).padStart(12, '0')}`, text, channel: CHANNELS[h(o, 9) % CHANNELS.length]! };
}

/** What the store must hold after comments 0..n-1: received (distinct submitter and text), groups, campaigns. */
export class Expected {
  received = 0;
  own = 0;
  readonly campaign = new Int32Array(CAMPAIGNS);
  readonly pool = new Int32Array(POOL);

  add(i: number): void {
    if (kindOf(i) === 'resubmission') return;
    this.received++;
    const t = textOf(i);
    if (t.kind === 'own') this.own++;
    else (t.kind === 'campaign' ? this.campaign : this.pool)[t.n]!++;
  }

  counts(minSubmitters: number): { received: number; groups: number; campaigns: number } {
    const used = (a: Int32Array) => a.reduce((n, x) => n + (x > 0 ? 1 : 0), 0);
    const big = (a: Int32Array) => a.reduce((n, x) => n + (x >= minSubmitters ? 1 : 0), 0);
    return { received: this.received, groups: this.own + used(this.campaign) + used(this.pool), campaigns: big(this.campaign) + big(this.pool) + (minSubmitters <= 1 ? this.own : 0) };
  }
}

export { campaignText };
