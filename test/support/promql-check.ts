import { parser } from '@prometheus-io/lezer-promql';

/**
 * Checks PromQL (the chart's dashboard and alerts, docs/observability.md) against what a gateway
 * really exports: Prometheus's own grammar (@prometheus-io/lezer-promql) parses each expression,
 * then every selector's metric and label, every grouping label (by/without/on/ignoring/group_*),
 * and every label a legend or an alert annotation prints must exist. Label sets are inferred
 * through aggregations, functions and binary operators, so `sum by (route) (…)` printing
 * `{{pod}}` is caught as well as a misspelt metric.
 */

/** A node of the parse tree (@lezer/common's SyntaxNode, named through the parser so no extra dependency is needed). */
type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

/** sample name (e.g. x_bucket) → label names seen on it, from a /metrics scrape. */
export type Exported = Map<string, Set<string>>;

/** Parses the Prometheus text format into the series names and label names it holds. */
export function parseExposition(text: string, into: Exported = new Map()): Exported {
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+\S+/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels = into.get(m[1]!) ?? new Set<string>();
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*"/g)) labels.add(l[1]!);
    into.set(m[1]!, labels);
  }
  return into;
}

export function mergeExported(...sets: Exported[]): Exported {
  const out: Exported = new Map();
  for (const s of sets) for (const [name, labels] of s) out.set(name, new Set([...(out.get(name) ?? []), ...labels]));
  return out;
}

export interface CheckContext {
  exported: Exported;
  /** Labels Prometheus attaches to every scraped series (the target's), never exported by the gateway. */
  targetLabels: readonly string[];
  /** Series Prometheus makes itself for each target (e.g. `up`): they carry the target labels only. */
  synthetic: readonly string[];
}

/** Grafana's built-in interval variables, replaced as Grafana does before the query is sent. */
const GRAFANA_INTERVALS: Record<string, string> = { $__rate_interval: '5m', $__interval: '1m', $__range: '1h' };

export function substituteGrafanaIntervals(expr: string): string {
  return expr.replace(/\$__(rate_interval|interval|range)\b/g, (v) => GRAFANA_INTERVALS[v]!);
}

/** What one expression yields: its problems and, when it is a vector, the labels its series carry. */
export interface ExprCheck {
  problems: string[];
  /** Output label names; undefined for a scalar or a string. */
  labels: Set<string> | undefined;
}

export function checkExpr(expr: string, ctx: CheckContext): ExprCheck {
  const problems: string[] = [];
  const tree = parser.parse(expr);
  tree.iterate({
    enter(n) {
      if (n.type.isError) problems.push(`does not parse at ${n.from}: ${JSON.stringify(expr.slice(Math.max(0, n.from - 20), n.to + 20))}`);
    },
  });
  if (problems.length > 0) return { problems, labels: undefined };
  const top = tree.topNode.firstChild;
  if (!top) return { problems: ['empty expression'], labels: undefined };
  const labels = new Checker(expr, ctx, problems).labelsOf(top);
  return { problems, labels };
}

/** Labels named in `{{label}}` (Grafana legends) or `$labels.label` (alert templates). */
export function printedLabels(template: string): string[] {
  return [...template.matchAll(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}|\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)/g)].map((m) => (m[1] ?? m[2])!);
}

/** Problems of an expression plus the labels its legend or annotations print. */
export function checkQuery(expr: string, printed: readonly string[], ctx: CheckContext): string[] {
  const r = checkExpr(expr, ctx);
  const problems = [...r.problems];
  if (r.problems.length === 0) {
    for (const l of printed) {
      if (!r.labels?.has(l)) problems.push(`prints label "${l}", which its result does not carry (it has: ${[...(r.labels ?? [])].sort().join(', ') || 'none'})`);
    }
  }
  return problems;
}

/** Grafana's `label_values(selector, label)` template query. */
export function checkLabelValues(query: string, ctx: CheckContext): string[] {
  const m = /^label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)$/.exec(query.trim());
  if (!m) return [`not a label_values(selector, label) query: ${query}`];
  return checkQuery(m[1]!, [m[2]!], ctx);
}

/** Functions whose result keeps the labels of their vector argument (minus the metric name). */
const KEEPS_LABELS = new Set([
  'rate', 'irate', 'increase', 'delta', 'idelta', 'deriv', 'abs', 'ceil', 'floor', 'round', 'clamp', 'clamp_min', 'clamp_max', 'exp', 'ln',
  'log2', 'log10', 'sqrt', 'changes', 'resets', 'sort', 'sort_desc', 'timestamp', 'predict_linear', 'avg_over_time', 'min_over_time',
  'max_over_time', 'sum_over_time', 'count_over_time', 'last_over_time', 'quantile_over_time', 'stddev_over_time', 'present_over_time',
  'absent_over_time', 'histogram_count', 'histogram_sum', 'histogram_fraction',
]);
/** Functions that return a scalar, or a vector without labels. */
const NO_LABELS = new Set(['time', 'scalar', 'vector', 'pi', 'minute', 'hour', 'day_of_month', 'day_of_week', 'days_in_month', 'month', 'year']);

class Checker {
  constructor(
    private readonly src: string,
    private readonly ctx: CheckContext,
    private readonly problems: string[],
  ) {}

  text(n: SyntaxNode): string {
    return this.src.slice(n.from, n.to);
  }

  children(n: SyntaxNode): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    for (let c = n.firstChild; c; c = c.nextSibling) out.push(c);
    return out;
  }

  /** Argument expressions of a FunctionCallBody (everything but punctuation). */
  args(body: SyntaxNode | null): SyntaxNode[] {
    return body ? this.children(body) : [];
  }

  grouping(n: SyntaxNode | null | undefined): string[] {
    const g = n ? (n.name === 'GroupingLabels' ? n : n.getChild('GroupingLabels')) : null;
    return g ? g.getChildren('LabelName').map((l) => this.text(l)) : [];
  }

  requireLabels(labels: string[], available: Set<string> | undefined, where: string): void {
    for (const l of labels) {
      if (!available?.has(l)) this.problems.push(`${where} names label "${l}", which its operand does not carry (it has: ${[...(available ?? [])].sort().join(', ') || 'none'})`);
    }
  }

  selector(n: SyntaxNode): Set<string> {
    let name = n.getChild('Identifier') ? this.text(n.getChild('Identifier')!) : undefined;
    const matchers: Array<{ label: string; value: string }> = [];
    const lm = n.getChild('LabelMatchers');
    if (lm) {
      for (const m of this.children(lm)) {
        const ln = m.getChild('LabelName') ?? m.getChild('QuotedLabelName');
        const value = m.getChild('StringLiteral');
        if (!ln) continue;
        const label = this.text(ln).replace(/^"|"$/g, '');
        matchers.push({ label, value: value ? JSON.parse(this.text(value).replace(/^'|'$/g, '"')) as string : '' });
      }
    }
    const nameMatcher = matchers.find((m) => m.label === '__name__');
    if (name === undefined && nameMatcher) name = nameMatcher.value;
    if (name === undefined) {
      this.problems.push(`selector ${this.text(n)} names no metric`);
      return new Set(this.ctx.targetLabels);
    }
    let labels: Set<string>;
    if (this.ctx.synthetic.includes(name)) labels = new Set(this.ctx.targetLabels);
    else {
      const exported = this.ctx.exported.get(name);
      if (!exported) {
        this.problems.push(`metric ${name} is not exported`);
        return new Set(this.ctx.targetLabels);
      }
      labels = new Set([...exported, ...this.ctx.targetLabels]);
    }
    for (const m of matchers) {
      if (m.label !== '__name__' && !labels.has(m.label)) this.problems.push(`${name} has no label "${m.label}" (it has: ${[...labels].sort().join(', ')})`);
    }
    return labels;
  }

  labelsOf(n: SyntaxNode): Set<string> | undefined {
    switch (n.name) {
      case 'VectorSelector':
        return this.selector(n);
      case 'MatrixSelector':
      case 'SubqueryExpr':
      case 'OffsetExpr':
      case 'StepInvariantExpr':
      case 'ParenExpr':
      case 'UnaryExpr': {
        const inner = this.children(n).find((c) => c.name.endsWith('Expr') || c.name === 'VectorSelector' || c.name === 'MatrixSelector' || c.name === 'FunctionCall' || c.name === 'NumberDurationLiteral' || c.name === 'StringLiteral');
        return inner ? this.labelsOf(inner) : undefined;
      }
      case 'NumberDurationLiteral':
      case 'StringLiteral':
        return undefined;
      case 'FunctionCall':
        return this.functionCall(n);
      case 'AggregateExpr':
        return this.aggregate(n);
      case 'BinaryExpr':
        return this.binary(n);
      default:
        this.problems.push(`unsupported expression ${n.name}: ${this.text(n)}`);
        return undefined;
    }
  }

  functionCall(n: SyntaxNode): Set<string> | undefined {
    const fn = this.text(n.getChild('FunctionIdentifier')!);
    const args = this.args(n.getChild('FunctionCallBody'));
    const argLabels = args.map((a) => this.labelsOf(a));
    const vectorArg = argLabels.find((l) => l !== undefined);
    if (NO_LABELS.has(fn)) return fn === 'vector' ? new Set() : undefined;
    if (fn === 'histogram_quantile') {
      const inner = argLabels[1];
      this.requireLabels(['le'], inner, 'histogram_quantile');
      return new Set([...(inner ?? [])].filter((l) => l !== 'le'));
    }
    if (KEEPS_LABELS.has(fn)) return vectorArg ?? new Set();
    this.problems.push(`function ${fn} is not known to this checker: teach it what the function does to labels`);
    return vectorArg;
  }

  aggregate(n: SyntaxNode): Set<string> | undefined {
    const op = this.text(n.getChild('AggregateOp')!);
    const args = this.args(n.getChild('FunctionCallBody'));
    const operand = args.length > 0 ? this.labelsOf(args[args.length - 1]!) : undefined;
    args.slice(0, -1).forEach((a) => this.labelsOf(a));
    const mod = n.getChild('AggregateModifier');
    const by = mod?.getChild('By') ? this.grouping(mod) : undefined;
    const without = mod?.getChild('Without') ? this.grouping(mod) : undefined;
    this.requireLabels(by ?? without ?? [], operand, `${op} by/without`);
    if (op === 'topk' || op === 'bottomk' || op === 'limitk' || op === 'limit_ratio') return operand;
    let out: Set<string>;
    if (by) out = new Set(by);
    else if (without) out = new Set([...(operand ?? [])].filter((l) => !without.includes(l)));
    else out = new Set();
    if (op === 'count_values') {
      const label = args[0] ? (JSON.parse(this.text(args[0])) as string) : '';
      out.add(label);
    }
    return out;
  }

  binary(n: SyntaxNode): Set<string> | undefined {
    const operands = this.children(n).filter((c) => !/^(Add|Sub|Mul|Div|Mod|Pow|Eql|Neq|Lss|Gtr|Lte|Gte|And|Or|Unless|Atan2|BoolModifier|MatchingModifierClause)$/.test(c.name));
    const [lhs, rhs] = operands;
    const left = lhs ? this.labelsOf(lhs) : undefined;
    const right = rhs ? this.labelsOf(rhs) : undefined;
    const op = this.children(n).find((c) => /^(Add|Sub|Mul|Div|Mod|Pow|Eql|Neq|Lss|Gtr|Lte|Gte|And|Or|Unless|Atan2)$/.test(c.name))!.name;
    const matching = n.getChild('MatchingModifierClause');
    if (matching) {
      const groups = matching.getChildren('GroupingLabels');
      // on(...)/ignoring(...) labels must be on both sides; group_left/right labels on the "one" side.
      this.requireLabels(this.grouping(groups[0]), left, 'on/ignoring (left side)');
      this.requireLabels(this.grouping(groups[0]), right, 'on/ignoring (right side)');
      if (groups[1]) {
        const oneSide = matching.getChild('GroupLeft') ? right : left;
        this.requireLabels(this.grouping(groups[1]), oneSide, 'group_left/group_right');
        const many = matching.getChild('GroupLeft') ? left : right;
        return new Set([...(many ?? []), ...this.grouping(groups[1])]);
      }
    }
    if (left === undefined) return right;
    if (right === undefined) return left;
    if (op === 'Or') return new Set([...left, ...right]);
    return left;
  }
}
