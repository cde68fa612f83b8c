// The report of one screened record as an electrocardiograph prints it: the measurement block, the
// findings grouped (rhythm, conduction, axis, voltage, repolarisation, other) with their evidence in
// one sentence and their source, and the inconclusive banner. Presentation only: every number comes
// from the core's Findings (web/lib/ecg-screen.d.ts); nothing here decides anything.

/** Which group of the report each scored class (and rule hint) belongs to: the one table of it. */
export const CLASS_GROUPS = {
  rhythm: ['NSR', 'AF', 'AFL', 'Brady', 'SB', 'STach', 'SA', 'PAC', 'PVC', 'PR', 'IrregularRR'],
  conduction: ['IAVB', 'LPR', 'BBB', 'CLBBB', 'CRBBB', 'IRBBB', 'LAnFB', 'NSIVCB', 'QRS120'],
  axis: ['LAD', 'RAD'],
  voltage: ['LQRSV', 'PRWP'],
  repolarisation: ['LQT', 'TAb', 'TInv'],
  other: ['QAb'],
};
export const GROUP_TITLES = {
  rhythm: 'Rhythm', conduction: 'Conduction', axis: 'Axis', voltage: 'Voltage', repolarisation: 'Repolarisation', other: 'Other',
};
const GROUP_OF = new Map(Object.entries(CLASS_GROUPS).flatMap(([group, abbrs]) => abbrs.map((abbr) => [abbr, group])));
/** The group of a class abbreviation; a class the table does not name is 'other'. */
export const groupOf = (abbr) => GROUP_OF.get(abbr) ?? 'other';

/** Rows of the measurement block, in the order a 12-lead cart prints them. */
export const MEASUREMENT_ROWS = [
  ['heart_rate_bpm', 'HR'], ['rr_ms', 'RR'], ['pr_ms', 'PR'], ['qrs_ms', 'QRS'], ['qt_ms', 'QT'], ['qtc_ms', 'QTc'],
  ['p_axis_deg', 'P axis'], ['qrs_axis_deg', 'QRS axis'], ['t_axis_deg', 'T axis'],
];
const UNIT_TEXT = { bpm: 'bpm', ms: 'ms', deg: '°' };

/** A measured value as printed: whole numbers, the unit after it ("129 ms", "23°"). */
export function formatMeasurement(m) {
  if (!m || m.value == null) return 'not measured';
  const unit = UNIT_TEXT[m.unit] ?? m.unit;
  return `${Math.round(m.value)}${unit === '°' ? '°' : ` ${unit}`}`;
}

/**
 * The measurement block: [{key, label, text, title, measured}]; a value the core could not measure
 * reads "not measured" with the core's reason.
 * @param {import('./lib/ecg-screen.js').Findings} findings
 */
export function measurementBlock(findings) {
  const m = findings.measurements ?? {};
  return MEASUREMENT_ROWS.map(([key, label]) => {
    const entry = m[key];
    const measured = entry?.value != null;
    const shownLabel = key === 'qtc_ms' && entry?.formula ? `QTc (${entry.formula})` : label;
    return {
      key, label: shownLabel, measured,
      text: measured ? formatMeasurement(entry) : `not measured${entry?.reason ? `: ${entry.reason}` : ''}`,
      title: measured ? entry.method : '',
    };
  });
}

const EVIDENCE_NAMES = {
  heart_rate_bpm: 'heart rate', pr_ms: 'PR', qrs_ms: 'QRS', qt_ms: 'QT', qrs_axis_deg: 'QRS axis', rr_nrmssd: 'RR irregularity (nRMSSD)',
  p_wave_share: 'P waves before', qrs_peak_to_peak_mv: 'QRS amplitude', paced_beat_share: 'paced beats', max_paced_beat_share: 'paced beats (most in a lead)',
  qtc_limit_ms: 'QTc limit', rr_mean_ms: 'mean RR',
};
const SKIP_EVIDENCE = new Set(['pr_sd_ms', 'net_qrs_area_mv_ms', 'leads_with_paced_beats', 'usable_leads', 'qt_iqr_ms']);

function evidenceText(e) {
  const qtc = /^qtc_(.+)_ms$/.exec(e.name);
  const name = EVIDENCE_NAMES[e.name] ?? (qtc ? `QTc (${qtc[1][0].toUpperCase()}${qtc[1].slice(1)})` : e.name.replaceAll('_', ' '));
  if (e.value == null) return `${name} not measured`;
  const value = e.unit === 'share' ? `${Math.round(100 * e.value)} %` : e.unit === 'deg' ? `${Math.round(e.value)}°`
    : `${+e.value.toFixed(e.unit === 'mV' || e.unit === 'ratio' ? 2 : 0)} ${e.unit}`;
  return `${name}${e.lead ? ` ${e.lead}` : ''} ${value}`;
}

/** A rule's evidence in one sentence: its main measured values (at most three), then its criterion (not when short). */
export function ruleSentence(rule, { short = false } = {}) {
  const values = rule.evidence.filter((e) => !SKIP_EVIDENCE.has(e.name));
  const general = values.filter((e) => !e.lead);
  const shown = (general.length ? general : values).slice(0, 3).map(evidenceText);
  if (short) return `${shown.length ? shown.join(', ') : rule.note || rule.criterion}.`;
  return `${shown.length ? `${shown.join(', ')}; ` : ''}criterion: ${rule.criterion}${rule.note ? ` (${rule.note})` : ''}.`;
}

const pct = (p) => `${(100 * p).toFixed(1)} %`;
const SOURCE_TEXT = { rule: 'rule', model: 'model', both: 'rule and model' };

/**
 * Positive findings grouped: [{group, title, items: [{abbr, name, source, sourceText, sentence}]}] in
 * the order of CLASS_GROUPS; a group without a positive finding is listed with no items. Positive rule
 * hints (QRS >= 120 ms, irregular RR) are listed with source 'rule' and marked as hints.
 * @param {import('./lib/ecg-screen.js').Findings} findings
 */
export function groupedFindings(findings) {
  const rules = new Map(findings.rules.rules.map((r) => [r.id, r]));
  const rulesBySnomed = new Map(findings.rules.rules.map((r) => [r.snomed, r]));
  const items = findings.classes.filter((c) => c.decision).map((c) => {
    const rule = rulesBySnomed.get(c.snomed);
    const model = c.probability == null ? '' : `model probability ${pct(c.probability)}${c.threshold == null ? '' : ` (threshold ${pct(c.threshold)})`}`;
    const sentence = (short) => (c.source === 'model' ? `${model[0].toUpperCase()}${model.slice(1)}.`
      : `${rule ? ruleSentence(rule, { short }) : ''}${c.source === 'both' && model ? ` The ${model}.` : ''}`);
    return { abbr: c.abbr, name: c.name, source: c.source, sourceText: SOURCE_TEXT[c.source], sentence: sentence(false), short: sentence(true), hint: false };
  });
  for (const id of ['QRS120', 'IrregularRR']) {
    const rule = rules.get(id);
    if (rule?.decision === 'positive') items.push({ abbr: id, name: rule.name, source: 'rule', sourceText: 'rule (hint, not a scored class)', sentence: ruleSentence(rule), short: ruleSentence(rule, { short: true }), hint: true });
  }
  return Object.keys(CLASS_GROUPS).map((group) => ({ group, title: GROUP_TITLES[group], items: items.filter((i) => groupOf(i.abbr) === group) }));
}

/** The rhythm column of a batch table: the positive rhythm findings, or "–". */
export function rhythmText(findings) {
  if (findings.inconclusive) return 'not interpretable';
  const rhythm = groupedFindings(findings)[0].items.filter((i) => !i.hint).map((i) => i.name);
  return rhythm.length ? rhythm.join(', ') : '–';
}

/** Positive findings as "ABBR (source)" joined by ", " (withheld on an inconclusive record). */
export function positiveText(findings) {
  if (findings.inconclusive) return 'withheld (inconclusive)';
  const positive = findings.classes.filter((c) => c.decision).map((c) => `${c.abbr} (${c.source})`);
  return positive.length ? positive.join(', ') : 'none';
}

/** Signal quality in words: the core's flags, and the leads its quality index marks unusable. */
export function qualityText(findings) {
  const unusable = (findings.lead_quality ?? []).filter((l) => l.usable === false).map((l) => `lead ${l.lead} unusable${l.reasons?.length ? ` (${l.reasons.join('; ')})` : ''}`);
  const flags = [...findings.quality, ...unusable];
  return flags.length ? flags.join('; ') : 'good';
}

/** A record is abnormal for the batch filter when a class other than sinus rhythm is positive or it is inconclusive. */
export const isAbnormal = (findings) => findings.inconclusive || findings.classes.some((c) => c.decision && c.abbr !== 'NSR');

/**
 * The stretches and leads to shade as unusable: [{lead, fromS, toS, reason}]. From the quality index
 * (findings.lead_quality) when the core reports it, else the leads the rules could not use.
 */
export function unusableStretches(findings, durationS) {
  if (Array.isArray(findings.lead_quality)) {
    return findings.lead_quality.flatMap((l) => {
      const reason = (l.reasons ?? []).join('; ') || 'unusable';
      if (l.usable === false) return [{ lead: l.lead, fromS: 0, toS: durationS, reason }];
      return (l.unusable_windows_s ?? []).map(([fromS, toS]) => ({ lead: l.lead, fromS, toS, reason }));
    });
  }
  const used = new Set(findings.rules.leads_used);
  return findings.leads.filter((lead) => !used.has(lead)).map((lead) => ({
    lead, fromS: 0, toS: durationS,
    reason: findings.quality.find((q) => q.startsWith(`lead ${lead} `))?.slice(`lead ${lead} `.length) ?? 'unusable',
  }));
}

const make = (tag, text, className) => Object.assign(document.createElement(tag), { textContent: text ?? '', className: className ?? '' });

/**
 * Fills the report's parts: the measurement block (a <dl>), the grouped findings (a container) and the
 * inconclusive banner. On an inconclusive record the findings are withheld and the banner says why.
 * @param {{measurements: HTMLElement, groups: HTMLElement, banner: HTMLElement}} parts
 */
export function renderReport(parts, findings) {
  parts.banner.hidden = !findings.inconclusive;
  parts.banner.textContent = findings.inconclusive
    ? `Inconclusive: ${findings.inconclusive_reasons.join('; ')}. Findings are withheld and must not be read as normal; repeat the recording.` : '';
  parts.measurements.replaceChildren(...measurementBlock(findings).flatMap((row) => {
    const dd = make('dd', row.text, row.measured ? '' : 'not-measured');
    dd.dataset.key = row.key;
    if (row.title) dd.title = row.title;
    return [make('dt', row.label), dd];
  }));
  if (findings.inconclusive) {
    parts.groups.replaceChildren(make('p', 'Findings withheld: the record is inconclusive (see above). Model probabilities are not interpretable.', 'withheld'));
    return;
  }
  parts.groups.replaceChildren(...groupedFindings(findings).map(({ group, title, items }) => {
    const section = make('section', '', 'finding-group');
    section.dataset.group = group;
    section.append(make('h4', title));
    const list = make('ul');
    list.append(...(items.length ? items.map((item) => {
      const li = make('li');
      li.dataset.abbr = item.abbr;
      // The printed page has the short sentence (values only); the screen has the criterion too.
      li.append(make('strong', `${item.name} (${item.abbr})`), ' ', make('span', item.sourceText, `source source-${item.source}`), ' — ',
        make('span', item.sentence, 'sentence-full'), make('span', item.short, 'sentence-short'));
      return li;
    }) : [make('li', 'nothing found', 'none')]));
    section.append(list);
    return section;
  }));
}
