/**
 * The pure half of `npm run bench:scale` (bench-scale.ts): what the figures are, how they grow
 * with replicas (the per-replica slope, and whether a figure grows faster than linear), the goals
 * of issue 24, the table and the plot. No cluster, no Pulumi: tests/bench-scale.test.ts runs it on
 * made-up figures.
 */
import { median } from "./median";

/** The three ways of doing the same job, side by side in one run. */
export const SIDES = ["stack", "bare", "kubectl"] as const;
export type Side = (typeof SIDES)[number];

export const SIDE_TITLES: Record<Side, string> = {
    stack: "this stack",
    bare: "bare Pulumi",
    kubectl: "kubectl path",
};

/** The figures, in the order the table and the plot show them. */
export const FIGURES = ["up", "preview", "noop", "grow", "scale", "review", "memory", "memoryWarm"] as const;
export type Figure = (typeof FIGURES)[number];

export interface FigureInfo {
    readonly title: string;
    readonly unit: "s" | "MB";
    /** The sides that have this figure. */
    readonly sides: readonly Side[];
}

export const FIGURE_INFO: Record<Figure, FigureInfo> = {
    up: { title: "up from nothing", unit: "s", sides: SIDES },
    preview: { title: "no-op preview (kubectl diff)", unit: "s", sides: SIDES },
    noop: { title: "no-op up", unit: "s", sides: SIDES },
    grow: { title: "storage size grow", unit: "s", sides: SIDES },
    scale: { title: "scale 3 -> N -> 3", unit: "s", sides: SIDES },
    // The review reads this stack's preview; the other sides have none.
    review: { title: "review of the biggest preview", unit: "s", sides: ["stack"] },
    // kubectl is not a program that holds the objects; the figure is the Pulumi program's.
    memory: { title: "program peak memory", unit: "MB", sides: ["stack", "bare"] },
    // The same after the side's first command: ts-node's cache of transpiled files is warm, as on
    // every run after the first on a machine.
    memoryWarm: { title: "peak memory, transpile cache warm", unit: "MB", sides: ["stack", "bare"] },
};

/** One size's figures from one take (all three sides in the same run), or the medians of several rounds. */
export interface SizeResult {
    readonly replicas: number;
    /** When the take ran (ISO 8601); of several rounds, when the last ended. */
    readonly takenAt: string;
    /** Rounds the figures are the medians of (absent: one). */
    readonly rounds?: number;
    /** Of several rounds: each figure's lowest and highest round. */
    readonly spread?: Readonly<Record<Side, Partial<Record<Figure, readonly [number, number]>>>>;
    /** Pods on the real node and on KWOK nodes at `replicas`, as counted after `up` from nothing on each side. */
    readonly pods: Readonly<Record<Side, { readonly real: number; readonly fake: number }>>;
    readonly figures: Readonly<Record<Side, Partial<Record<Figure, number>>>>;
    /** Figures kept for the record but not in the table: the scale's two legs, the review's in-process render. */
    readonly details: Readonly<Record<Side, Record<string, number>>>;
}

/** Everything `bench:scale` has measured, one entry per size (a later take of a size replaces it). */
export interface ScaleResults {
    readonly environment: string;
    readonly sizes: readonly SizeResult[];
}

/** A figure's points for one side, by replicas, where measured. */
export function points(results: ScaleResults, figure: Figure, side: Side): [number, number][] {
    return [...results.sizes]
        .sort((a, b) => a.replicas - b.replicas)
        .flatMap((size): [number, number][] => {
            const value = size.figures[side][figure];
            return value === undefined ? [] : [[size.replicas, value]];
        });
}

/** The least-squares slope of y on x: what each added replica costs. NaN for fewer than two distinct x. */
export function slope(data: readonly (readonly [number, number])[]): number {
    const n = data.length;
    if (n < 2) return NaN;
    const meanX = data.reduce((sum, [x]) => sum + x, 0) / n;
    const meanY = data.reduce((sum, [, y]) => sum + y, 0) / n;
    const sxx = data.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
    if (sxx === 0) return NaN;
    return data.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0) / sxx;
}

/**
 * Below this per-replica cost a figure is flat: 2 ms per replica is 0.2 s over 100 replicas,
 * within the spread of one command's runs on a shared machine.
 */
export const FLAT_SLOPE: Record<FigureInfo["unit"], number> = { s: 0.002, MB: 0.05 };

/** How a figure grows between consecutive sizes. */
export interface Growth {
    /** The slope of each segment between consecutive sizes, in size order. */
    readonly segments: number[];
    /**
     * True when the last segment's slope is at least 1.5 times the first's and above the flat
     * line: each added replica costs more than the ones before (quadratic work shows as a slope
     * that grows with the size; linear work as equal slopes).
     */
    readonly fasterThanLinear: boolean;
}

export function growth(data: readonly (readonly [number, number])[], flat: number): Growth {
    const sorted = [...data].sort((a, b) => a[0] - b[0]);
    const segments = sorted.slice(1).map(([x, y], i) => (y - sorted[i][1]) / (x - sorted[i][0]));
    if (segments.length < 2) return { segments, fasterThanLinear: false };
    const first = segments[0];
    const last = segments[segments.length - 1];
    return { segments, fasterThanLinear: last > flat && last >= 1.5 * Math.max(first, flat) };
}

export interface GoalCheck {
    readonly goal: string;
    readonly value: string;
    readonly met: boolean;
}

/** Stack over bare Pulumi, goal at most this, for every figure both have, at every size. */
export const STACK_OVER_BARE = 1.1;
/** `up` from nothing at the biggest size, stack over the kubectl path. */
export const UP_OVER_KUBECTL = 1.25;
/** A Pulumi side's per-replica slope over kubectl's. */
export const SLOPE_OVER_KUBECTL = 1.2;
/** The review of the biggest preview, seconds. */
export const REVIEW_SECONDS = 1;

const fixed = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : "-");

/** Issue 24's goals, each with its figure and whether it is met. */
export function checkGoals(results: ScaleResults): GoalCheck[] {
    const checks: GoalCheck[] = [];
    const sizes = [...results.sizes].sort((a, b) => a.replicas - b.replicas);
    for (const figure of FIGURES) {
        const info = FIGURE_INFO[figure];
        if (!info.sides.includes("bare")) continue;
        for (const size of sizes) {
            const stack = size.figures.stack[figure];
            const bare = size.figures.bare[figure];
            if (stack === undefined || bare === undefined) continue;
            const ratio = stack / bare;
            checks.push({ goal: `${info.title} at ${size.replicas}: stack / bare <= ${STACK_OVER_BARE}`, value: `${fixed(ratio)}x`, met: ratio <= STACK_OVER_BARE });
        }
    }
    const biggest = sizes.at(-1);
    if (biggest !== undefined && biggest.figures.stack.up !== undefined && biggest.figures.kubectl.up !== undefined) {
        const ratio = biggest.figures.stack.up / biggest.figures.kubectl.up;
        checks.push({ goal: `up from nothing at ${biggest.replicas}: stack / kubectl <= ${UP_OVER_KUBECTL}`, value: `${fixed(ratio)}x`, met: ratio <= UP_OVER_KUBECTL });
    }
    for (const figure of FIGURES) {
        const info = FIGURE_INFO[figure];
        if (!info.sides.includes("kubectl")) continue;
        const kubectlSlope = slope(points(results, figure, "kubectl"));
        if (!Number.isFinite(kubectlSlope)) continue;
        const flat = FLAT_SLOPE[info.unit];
        for (const side of ["stack", "bare"] as const) {
            const sideSlope = slope(points(results, figure, side));
            if (!Number.isFinite(sideSlope)) continue;
            // A flat Pulumi figure meets the goal whatever kubectl's does; against a flat kubectl
            // figure the ratio means nothing, so the Pulumi one must be flat too.
            const met = sideSlope <= flat || (kubectlSlope > flat && sideSlope <= SLOPE_OVER_KUBECTL * kubectlSlope);
            const ratio = kubectlSlope > flat ? `${fixed(sideSlope / kubectlSlope)}x` : "kubectl flat";
            checks.push({
                goal: `${info.title} slope: ${SIDE_TITLES[side]} / kubectl <= ${SLOPE_OVER_KUBECTL}`,
                value: `${fixed(sideSlope * 1000, 1)} / ${fixed(kubectlSlope * 1000, 1)} ms per replica (${ratio})`,
                met,
            });
        }
    }
    const review = biggest?.figures.stack.review;
    if (biggest !== undefined && review !== undefined) {
        checks.push({ goal: `review of the ${biggest.replicas}-replica preview < ${REVIEW_SECONDS} s`, value: `${fixed(review)} s`, met: review < REVIEW_SECONDS });
    }
    return checks;
}

/** The figures that grow faster than linear, per side, with their segment slopes. */
export function superlinear(results: ScaleResults): { figure: Figure; side: Side; segments: number[] }[] {
    const found: { figure: Figure; side: Side; segments: number[] }[] = [];
    for (const figure of FIGURES) {
        const info = FIGURE_INFO[figure];
        for (const side of info.sides) {
            const g = growth(points(results, figure, side), FLAT_SLOPE[info.unit]);
            if (g.fasterThanLinear) found.push({ figure, side, segments: g.segments });
        }
    }
    return found;
}

const cell = (value: number | undefined, unit: string, spread?: readonly [number, number]) => {
    if (value === undefined) return "";
    const shown = (v: number) => (unit === "MB" ? v.toFixed(0) : v.toFixed(2));
    return `${shown(value)} ${unit}${spread === undefined || spread[0] === spread[1] ? "" : ` (${shown(spread[0])}-${shown(spread[1])})`}`;
};
const ratioCell = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? "" : `${(a / b).toFixed(2)}x`);

/** The figures as a Markdown table: each figure at each size on the three sides (of several rounds the median, and the lowest and highest round in brackets), and the ratios. */
export function figuresTable(results: ScaleResults): string {
    const sizes = [...results.sizes].sort((a, b) => a.replicas - b.replicas);
    const lines = [
        "| figure | replicas | this stack | bare Pulumi | kubectl path | stack / bare | stack / kubectl | bare / kubectl |",
        "|---|---|---|---|---|---|---|---|",
    ];
    for (const figure of FIGURES) {
        const { title, unit } = FIGURE_INFO[figure];
        for (const size of sizes) {
            const [stack, bare, kubectl] = SIDES.map((side) => size.figures[side][figure]);
            if (stack === undefined && bare === undefined && kubectl === undefined) continue;
            const [stackSpread, bareSpread, kubectlSpread] = SIDES.map((side) => size.spread?.[side][figure]);
            lines.push(
                `| ${title} | ${size.replicas} | ${cell(stack, unit, stackSpread)} | ${cell(bare, unit, bareSpread)} | ${cell(kubectl, unit, kubectlSpread)} | ` +
                    `${ratioCell(stack, bare)} | ${ratioCell(stack, kubectl)} | ${ratioCell(bare, kubectl)} |`,
            );
        }
    }
    return lines.join("\n");
}

/** Each figure's per-replica slope on each side (least squares over the sizes), and which grow faster than linear. */
export function slopeTable(results: ScaleResults): string {
    const lines = ["| figure | this stack | bare Pulumi | kubectl path | stack / kubectl | bare / kubectl |", "|---|---|---|---|---|---|"];
    for (const figure of FIGURES) {
        const info = FIGURE_INFO[figure];
        const perUnit = info.unit === "s" ? "ms" : "MB";
        const scaleBy = info.unit === "s" ? 1000 : 1;
        const slopes = SIDES.map((side) => (info.sides.includes(side) ? slope(points(results, figure, side)) : NaN));
        const shown = slopes.map((s, i) => {
            if (!Number.isFinite(s)) return "";
            const g = growth(points(results, figure, SIDES[i]), FLAT_SLOPE[info.unit]);
            return `${(s * scaleBy).toFixed(info.unit === "s" ? 1 : 2)} ${perUnit}${g.fasterThanLinear ? " (faster than linear)" : ""}`;
        });
        const versusKubectl = (s: number) => (Number.isFinite(s) && Number.isFinite(slopes[2]) && slopes[2] > FLAT_SLOPE[info.unit] ? `${(s / slopes[2]).toFixed(2)}x` : "");
        lines.push(`| ${info.title} | ${shown.join(" | ")} | ${versusKubectl(slopes[0])} | ${versusKubectl(slopes[1])} |`);
    }
    return lines.join("\n");
}

/** The goals as a Markdown table. */
export function goalsTable(checks: readonly GoalCheck[]): string {
    return ["| goal (issue 24) | figure | met |", "|---|---|---|", ...checks.map((c) => `| ${c.goal} | ${c.value} | ${c.met ? "yes" : "**no**"} |`)].join("\n");
}

// ---- the plot ----

export const SIDE_COLOURS: Record<Side, string> = { stack: "#1f6fb4", bare: "#e07b00", kubectl: "#2a9d3a" };

/** A round step for about `count` ticks from 0 to `max`. */
export function tickStep(max: number, count = 4): number {
    if (!(max > 0)) return 1;
    const raw = max / count;
    const magnitude = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((candidate) => candidate >= raw);
    return step ?? 10 * magnitude;
}

const escapeXml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const num = (value: number) => String(Math.round(value * 10) / 10);

/**
 * Every figure against replicas, one panel each, a line per side: an SVG drawn here, with no
 * plotting library. `caption` goes under the title (the date and the machine).
 */
export function plotSvg(results: ScaleResults, caption: string): string {
    const columns = 3;
    const panelWidth = 300;
    const panelHeight = 210;
    const margin = { left: 52, right: 14, top: 34, bottom: 40 };
    const header = 62;
    const rows = Math.ceil(FIGURES.length / columns);
    const width = columns * panelWidth;
    const height = header + rows * panelHeight;
    const sizes = [...new Set(results.sizes.map((s) => s.replicas))].sort((a, b) => a - b);
    const maxReplicas = Math.max(...sizes, 1);
    const out: string[] = [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
        `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
        `<text x="12" y="20" font-size="14" font-weight="bold">${escapeXml("Cost as the work grows: each figure against replicas")}</text>`,
        `<text x="12" y="38" fill="#555555">${escapeXml(caption)}</text>`,
    ];
    SIDES.forEach((side, i) => {
        const x = 12 + i * 150;
        out.push(`<line x1="${x}" y1="52" x2="${x + 22}" y2="52" stroke="${SIDE_COLOURS[side]}" stroke-width="2.5"/>`);
        out.push(`<text x="${x + 28}" y="56">${escapeXml(SIDE_TITLES[side])}</text>`);
    });
    FIGURES.forEach((figure, index) => {
        const info = FIGURE_INFO[figure];
        const originX = (index % columns) * panelWidth;
        const originY = header + Math.floor(index / columns) * panelHeight;
        const plotWidth = panelWidth - margin.left - margin.right;
        const plotHeight = panelHeight - margin.top - margin.bottom;
        const series = info.sides.map((side) => ({ side, data: points(results, figure, side) }));
        const maxValue = Math.max(0, ...series.flatMap((s) => s.data.map(([, y]) => y)));
        const step = tickStep(maxValue);
        const top = Math.max(step, Math.ceil(maxValue / step) * step);
        const sx = (x: number) => originX + margin.left + (x / maxReplicas) * plotWidth;
        const sy = (y: number) => originY + margin.top + plotHeight - (y / top) * plotHeight;
        out.push(`<g>`);
        out.push(`<text x="${num(originX + margin.left)}" y="${num(originY + 20)}" font-weight="bold">${escapeXml(`${info.title} (${info.unit})`)}</text>`);
        for (let tick = 0; tick <= top + step / 1000; tick += step) {
            out.push(`<line x1="${num(sx(0))}" y1="${num(sy(tick))}" x2="${num(sx(maxReplicas))}" y2="${num(sy(tick))}" stroke="#e4e4e4"/>`);
            out.push(`<text x="${num(sx(0) - 6)}" y="${num(sy(tick) + 4)}" text-anchor="end" fill="#555555">${escapeXml(formatTick(tick, step))}</text>`);
        }
        for (const size of sizes) {
            out.push(`<text x="${num(sx(size))}" y="${num(sy(0) + 15)}" text-anchor="middle" fill="#555555">${size}</text>`);
        }
        out.push(`<text x="${num(sx(maxReplicas / 2))}" y="${num(sy(0) + 30)}" text-anchor="middle" fill="#555555">replicas</text>`);
        out.push(`<line x1="${num(sx(0))}" y1="${num(sy(0))}" x2="${num(sx(maxReplicas))}" y2="${num(sy(0))}" stroke="#888888"/>`);
        for (const { side, data } of series) {
            if (data.length === 0) continue;
            const path = data.map(([x, y]) => `${num(sx(x))},${num(sy(y))}`).join(" ");
            out.push(`<polyline points="${path}" fill="none" stroke="${SIDE_COLOURS[side]}" stroke-width="2"/>`);
            for (const [x, y] of data) out.push(`<circle cx="${num(sx(x))}" cy="${num(sy(y))}" r="3" fill="${SIDE_COLOURS[side]}"/>`);
        }
        out.push(`</g>`);
    });
    out.push(`</svg>`);
    return `${out.join("\n")}\n`;
}

/** A tick's label: as many decimals as the step has (2.5 s steps read 0, 2.5, 5, 7.5). */
function formatTick(value: number, step: number): string {
    const decimals = (String(+step.toFixed(6)).split(".")[1] ?? "").length;
    return value.toFixed(decimals);
}

/**
 * Several rounds of one size as one result: each figure and detail the median of the rounds
 * that have it, with its lowest and highest round as the spread. Ratios are then ratios of
 * medians, every side's taken over the same rounds of the same run.
 */
export function medianOfRounds(takes: readonly SizeResult[]): SizeResult {
    if (takes.length === 0) throw new Error("medianOfRounds: no rounds");
    const replicas = takes[0].replicas;
    if (takes.some((t) => t.replicas !== replicas)) throw new Error(`medianOfRounds: rounds of different sizes (${takes.map((t) => t.replicas).join(", ")})`);
    const per = <K extends string>(pick: (take: SizeResult) => Partial<Record<K, number>>) => {
        const keys = [...new Set(takes.flatMap((t) => Object.keys(pick(t)) as K[]))];
        const values = (key: K) => takes.map((t) => pick(t)[key]).filter((v): v is number => v !== undefined);
        return {
            median: Object.fromEntries(keys.map((key) => [key, median(values(key))])) as Partial<Record<K, number>>,
            spread: Object.fromEntries(keys.map((key) => [key, [Math.min(...values(key)), Math.max(...values(key))] as const])) as Partial<Record<K, readonly [number, number]>>,
        };
    };
    const bySide = <T>(f: (side: Side) => T) => Object.fromEntries(SIDES.map((side) => [side, f(side)])) as Record<Side, T>;
    const figures = bySide((side) => per<Figure>((t) => t.figures[side]));
    return {
        replicas,
        takenAt: takes.map((t) => t.takenAt).sort().at(-1)!,
        rounds: takes.length,
        // Pods are counted after each up from nothing; the rounds place them alike, the last is kept.
        pods: takes.at(-1)!.pods,
        figures: bySide((side) => figures[side].median),
        spread: bySide((side) => figures[side].spread),
        details: bySide((side) => per<string>((t) => t.details[side]).median as Record<string, number>),
    };
}

/** `results` with `size` in place of any earlier take of the same size. */
export function withSize(results: ScaleResults, size: SizeResult): ScaleResults {
    return { ...results, sizes: [...results.sizes.filter((s) => s.replicas !== size.replicas), size].sort((a, b) => a.replicas - b.replicas) };
}
